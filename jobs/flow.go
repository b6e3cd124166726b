package jobs

import (
	"context"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/ledger"
)

// flow is what the pipeline steps need of Enkash for one file kind. Adding a kind means one
// new implementation in a file of its own, named in flows (kinds.go); the steps stay as they
// are.
type flow interface {
	// send makes the create call for one claimed batch. It returns Enkash's answer per item;
	// an error means the call as a whole failed (see enkash.IsAmbiguous for what it left).
	send(ctx context.Context, batchID string, items []domain.Item) (map[string]record, error)
	// lookup asks Enkash for the items with these references; an absent key means Enkash has
	// no record of it.
	lookup(ctx context.Context, refs []string) (map[string]record, error)
	// window lists every record Enkash has created between from and to.
	window(ctx context.Context, from, to time.Time) ([]record, error)
}

// record is what Enkash says of one item, in our terms.
type record struct {
	Reference string
	Status    domain.Status
	// Refused means Enkash turned the item down before processing it (payout REJECTED): the
	// reference may be used again once the row is fixed.
	Refused bool
	// Duplicate means Enkash answered that it already holds a record under this reference
	// (409 / REJECT_TXN_ID, BBPS code 38): never a refusal; the record is looked up and
	// adopted only if provably ours (see provablyOurs).
	Duplicate bool
	// ConfigRefusal, when set, names the setting for which Enkash refused the item without
	// processing it (REJECT_CHKSUM...): the item goes back to valid and the run stops.
	ConfigRefusal string
	// NotSent means the create call for this item was never made (Enkash went out of reach
	// before it): the item goes back to valid.
	NotSent bool
	// Withheld, when set, says why the flow did not send this item although it was claimed
	// (an invoice whose customer is held in a reference conflict): the item is held with this
	// reason (never claimed again until the hold is released), or, when Status is rejected, is rejected with it (its reference given
	// back, an exception raised) because it can never be sent as written.
	Withheld string
	// Created is when Enkash created the record; zero when its answer does not say.
	Created time.Time
	// Shows is what Enkash's record shows of whom it is for, by name (a bill's consumer number
	// and biller, a customer's legal name and PAN or GSTIN); after an "already exists" answer
	// each must equal the item's own (see provablyOurs and registerFacts).
	Shows map[string]string
	// Fetched means Enkash set the record's amount itself (a bill created after a bill fetch,
	// paid at the biller's amount): an item whose file gave no amount is compared with no
	// amount (see observe and provablyOurs).
	Fetched bool
	State   domain.ProviderState
}

// flowEnv is what a flow may use: Enkash, and the ledger for what an earlier item of another
// kind left there (an invoice needs its customer's Enkash id).
type flowEnv struct {
	client *enkash.Client
	ledger *ledger.DB
	// portalChecker leaves the checker's approval of a bill's debit to Enkash's portal.
	portalChecker bool
}

// factsOf gives, for a kind, an item's own facts under the names its records' Shows uses
// (what a record of Enkash shows of whom it is for, compared by provablyOurs).
var factsOf = map[domain.Kind]func(domain.Item) map[string]string{
	domain.KindCustomers: customerFacts,
	domain.KindBills:     billFacts,
}

// kindFlow is one kind with its flow.
type kindFlow struct {
	kind domain.Kind
	flow flow
}

// flowsFor builds the flow of every kind of the kinds table, in processing order (customers
// before the invoices that name them). A kind the table lacks a part of has no flow: CheckKinds
// refuses to start without it.
func flowsFor(env flowEnv) []kindFlow {
	var out []kindFlow
	for _, k := range domain.Kinds {
		if mk, ok := flows[k]; ok {
			out = append(out, kindFlow{k, mk(env)})
		}
	}
	return out
}

// recordsOf turns Enkash's records of one kind, as a search returned them, into ours.
func recordsOf[T any](recs []T, err error, of func(T) record) ([]record, error) {
	if err != nil {
		return nil, err
	}
	out := make([]record, len(recs))
	for i, r := range recs {
		out[i] = of(r)
	}
	return out, nil
}

// byReference indexes records by our reference, for lookups.
func byReference(recs []record, err error) (map[string]record, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[string]record, len(recs))
	for _, r := range recs {
		out[r.Reference] = r
	}
	return out, nil
}
