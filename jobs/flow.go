package jobs

import (
	"context"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
)

// flow is what the pipeline steps need of Enkash for one file kind. Adding a kind means one
// new implementation (a file of its own) and an entry in flowsFor; the steps stay as they are.
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
	State   domain.ProviderState
}

func flowsFor(c *enkash.Client) map[domain.Kind]flow {
	return map[domain.Kind]flow{
		domain.KindPayouts: payoutFlow{c},
	}
}
