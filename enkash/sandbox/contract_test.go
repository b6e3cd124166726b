package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"enkashbatch/enkash/sandbox"
)

// The sandbox held to Enkash's published pages: every rule refused with its documented code,
// every answer in its documented shape (the examples in testdata/docs, addresses in
// testdata/docs/SOURCES.md). Requests are JSON written here by hand from the pages.

// shape compares the JSON value got with the documented example doc: the same JSON kinds, the
// same keys of objects (exact: no key missing or extra; otherwise got's keys must be among
// doc's), arrays element by element against doc's first element.
func shape(doc, got any, exact bool, at string) error {
	kind := func(v any) string { return fmt.Sprintf("%T", v) }
	if kind(doc) != kind(got) {
		return fmt.Errorf("%s: %s in the answer, %s in the documented example", at, kind(got), kind(doc))
	}
	switch d := doc.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for k, v := range g {
			dv, ok := d[k]
			if !ok {
				return fmt.Errorf("%s.%s: not in the documented example", at, k)
			}
			if err := shape(dv, v, exact, at+"."+k); err != nil {
				return err
			}
		}
		if exact {
			for k := range d {
				if _, ok := g[k]; !ok {
					return fmt.Errorf("%s.%s: documented, missing from the answer", at, k)
				}
			}
		}
	case []any:
		for i, v := range got.([]any) {
			if len(d) > 0 {
				if err := shape(d[0], v, exact, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func readDoc(t *testing.T, name string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func mustShape(t *testing.T, docFile string, raw []byte, exact bool) {
	t.Helper()
	var got any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	if err := shape(readDoc(t, docFile), got, exact, "$"); err != nil {
		t.Errorf("answer %s is not shaped as %s: %v", raw, docFile, err)
	}
}

// raw posts the hand-written JSON text, encrypted, to path.
func (b *bundle) raw(method, path, text string) answer {
	b.t.Helper()
	body, _ := json.Marshal(wSealed{Request: b.cipher.Encrypt([]byte(text))})
	return b.send(method, path, bytes.NewReader(body), nil)
}

// plain sends the hand-written JSON text unencrypted (the BBPS and AR families).
func (b *bundle) plain(method, path, text string) answer {
	b.t.Helper()
	var body *strings.Reader
	if text != "" {
		body = strings.NewReader(text)
	} else {
		body = strings.NewReader("")
	}
	return b.send(method, path, body, nil)
}

func (a answer) want(t *testing.T, what string, status, code int, message string) {
	t.Helper()
	if a.status != status || int(a.env.ResponseCode) != code || !strings.HasPrefix(a.env.ResponseMessage, message) {
		t.Errorf("%s: HTTP %d code %d %q, want HTTP %d code %d %q", what, a.status, a.env.ResponseCode, a.env.ResponseMessage, status, code, message)
	}
}

const item = `{"transactionId":"%s","transferAmount":%s,"transferMode":"%s","transferRemark":"%s",` +
	`"beneficiaryDetail":{"beneficiaryId":"%s","beneficiaryName":"%s","beneficiaryAccountNumber":"%s","beneficiaryIfsc":"%s"%s}}`

// itemJSON writes one transfer by hand; extra is appended inside beneficiaryDetail.
func itemJSON(id, amount, mode, remark, benefID, name, account, ifsc, extra string) string {
	return fmt.Sprintf(item, id, amount, mode, remark, benefID, name, account, ifsc, extra)
}

func goodItem(id string) string {
	return itemJSON(id, "1250.50", "IMPS", "March payout", "ASHA1", "Asha Traders", "123456789012", "HDFC0001234", "")
}

func TestContract_StrictDecoding(t *testing.T) {
	b := setup(t, "")
	b.login()
	for name, text := range map[string]string{
		"unknown field":           `{"batchTransactionId":"B1","transfers":[` + goodItem("P1") + `],"priority":"high"}`,
		"unknown item field":      `{"batchTransactionId":"B1","transfers":[{"transactionId":"P1","amount":10,"transferMode":"IMPS","beneficiaryId":"X1"}]}`,
		"amount as a string":      `{"batchTransactionId":"B1","transfers":[` + itemJSON("P1", `"1250.50"`, "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", "") + `]}`,
		"amount with 3 decimals":  `{"batchTransactionId":"B1","transfers":[` + itemJSON("P1", `1250.505`, "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", "") + `]}`,
		"transfers not an array":  `{"batchTransactionId":"B1","transfers":{"transactionId":"P1"}}`,
		"batch id as a number":    `{"batchTransactionId":1,"transfers":[` + goodItem("P1") + `]}`,
		"data after the object":   `{"batchTransactionId":"B1","transfers":[` + goodItem("P1") + `]} {}`,
		"unknown detail field":    `{"batchTransactionId":"B1","transfers":[` + itemJSON("P1", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"nickname":"A"`) + `]}`,
		"name as a number":        `{"batchTransactionId":"B1","transfers":[{"transactionId":"P1","transferAmount":10,"transferMode":"IMPS","beneficiaryDetail":{"beneficiaryId":"A1","beneficiaryName":7}}]}`,
		"statement unknown field": ``,
	} {
		if name == "statement unknown field" {
			a := b.raw(http.MethodPost, pathStatement, `{"fundSourceId":"EKCI4XTWKC","debitAccountNumber":"5020","fromDate":"2025-03-14T00:00:00+05:30","toDate":"2025-03-14T23:59:59+05:30","page":1}`)
			a.want(t, name, 422, 422, "Invalid request format.")
			continue
		}
		a := b.raw(http.MethodPost, pathBatch, text)
		a.want(t, name, 422, 422, "Invalid request format.")
		if a.encrypted || a.env.Payload == nil || string(a.env.Payload) != "null" {
			t.Errorf("%s: error answer %s, want a plain envelope with payload null", name, a.raw)
		}
	}
	for name, body := range map[string]string{
		"not the envelope": `{"batchTransactionId":"B1"}`,
		"not base64":       `{"request":"%%%"}`,
		"other key":        `{"request":"` + newWCipher("other-secret").Encrypt([]byte(`{"batchTransactionId":"B1"}`)) + `"}`,
	} {
		b.send(http.MethodPost, pathBatch, strings.NewReader(body), nil).want(t, name, 422, 422, "Invalid encrypted request.")
	}
	if calls := b.calls(); len(calls) != 0 {
		t.Errorf("refused requests were recorded: %v", calls)
	}
}

func TestContract_TransferRules(t *testing.T) {
	b := setup(t, "")
	b.login()
	long := strings.Repeat("A", 101)
	email201 := strings.Repeat("a", 190) + "@example.com"
	cases := []struct{ id, text, reason string }{
		{"", `{"transferAmount":10,"transferMode":"IMPS","beneficiaryId":"X1"}`, "REJECT_TXN_ID"},
		{"R-NOAMT", `{"transactionId":"R-NOAMT","transferMode":"IMPS","beneficiaryId":"X1"}`, "REJECT_TRF_AMT"},
		{"R-099", itemJSON("R-099", "0.99", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", ""), "REJECT_TRF_AMT"},
		{"R-MODE", itemJSON("R-MODE", "10", "CASH", "x", "A1", "Asha", "123456789012", "HDFC0001234", ""), "REJECT_TRF_MODE"},
		{"R-NOMODE", `{"transactionId":"R-NOMODE","transferAmount":10,"beneficiaryId":"X1"}`, "REJECT_TRF_MODE"},
		{"R-RMK", itemJSON("R-RMK", "10", "IMPS", "inv-12/3", "A1", "Asha", "123456789012", "HDFC0001234", ""), "REJECT_TRF_RMK"},
		{"R-AMP", itemJSON("R-AMP", "10", "IMPS", "x", "A1", "Sharma & Sons Pvt. Ltd.", "123456789012", "HDFC0001234", ""), "REJECT_BENEF_NAME"},
		{"R-LONG", itemJSON("R-LONG", "10", "IMPS", "x", "A1", long, "123456789012", "HDFC0001234", ""), "REJECT_BENEF_NAME"},
		{"R-DIGIT", itemJSON("R-DIGIT", "10", "IMPS", "x", "A1", "Asha 2", "123456789012", "HDFC0001234", ""), "REJECT_BENEF_NAME"},
		{"R-MAIL", itemJSON("R-MAIL", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"beneficiaryEmail":"asha@example"`), "REJECT_BENEF_EMAIL"},
		{"R-MAIL201", itemJSON("R-MAIL201", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"beneficiaryEmail":"`+email201+`"`), "REJECT_BENEF_EMAIL"},
		{"R-PHONE", itemJSON("R-PHONE", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"beneficiaryPhone":"98765-4321"`), "REJECT_BENEF_DET_ID"},
		{"R-PIN", itemJSON("R-PIN", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"beneficiaryPincode":"5600011"`), "REJECT_BENEF_DET_ID"},
		{"R-IFSC", itemJSON("R-IFSC", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC1234567", ""), "REJECT_BENEF_IFSC"},
		{"R-NOIFSC", itemJSON("R-NOIFSC", "10", "IMPS", "x", "A1", "Asha", "123456789012", "", ""), "REJECT_BENEF_IFSC"},
		{"R-BOTH", itemJSON("R-BOTH", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"vpaHandle":"asha@okaxis"`), "REJECT_BENEF_ACC"},
		{"R-VPA", `{"transactionId":"R-VPA","transferAmount":10,"transferMode":"UPI","beneficiaryDetail":{"beneficiaryId":"A1","beneficiaryName":"Asha","vpaHandle":"asha at okaxis"}}`, "REJECT_BENEF_DET_ID"},
		{"R-DETID", `{"transactionId":"R-DETID","transferAmount":10,"transferMode":"IMPS","beneficiaryDetail":{"beneficiaryName":"Asha","beneficiaryAccountNumber":"123456789012","beneficiaryIfsc":"HDFC0001234"}}`, "REJECT_BENEF_DET_ID"},
		{"R-NOPAYEE", `{"transactionId":"R-NOPAYEE","transferAmount":10,"transferMode":"IMPS"}`, "REJECT_BENEF_ID"},
		{"R-CHK", `{"transactionId":"R-CHK","transferAmount":10,"transferMode":"IMPS","beneficiaryId":"X1","checksum":"abc"}`, "REJECT_CHKSUM"},
	}
	good := []string{
		goodItem("OK-1"),
		itemJSON("OK-PHONE", "1", "NEFT", "Invoice 12", "A2", "Ravi Kumar", "123456789", "hdfc0001234", `,"beneficiaryPhone":"+91 9876543210","beneficiaryEmail":"ravi.k@example.in","beneficiaryPincode":"560001"`),
		`{"transactionId":"OK-UPI","transferAmount":99.5,"transferMode":"UPI","beneficiaryDetail":{"beneficiaryId":"A3","beneficiaryName":"Ravi","vpaHandle":"ravi.k-1@okaxis"}}`,
		`{"transactionId":"OK-BEN","transferAmount":10,"transferMode":"RTGS","beneficiaryId":"BEN123","fundSourceId":"EKCI4XTWKC","reference":"r-1"}`,
	}
	items := slices.Clone(good)
	for _, c := range cases {
		items = append(items, c.text)
	}
	a := b.raw(http.MethodPost, pathBatch, `{"batchTransactionId":"B1","transfers":[`+strings.Join(items, ",")+`]}`)
	if a.status != 200 || !a.encrypted {
		t.Fatalf("batch: HTTP %d %s", a.status, a.raw)
	}
	var out wBatchResponse
	if err := json.Unmarshal(a.env.Payload, &out); err != nil {
		t.Fatal(err)
	}
	var accepted []string
	for _, s := range out.Successful {
		accepted = append(accepted, s.TransactionID)
		if s.PayoutStatus != "PENDING" || s.EnkashTransactionID == "" {
			t.Errorf("accepted %+v", s)
		}
	}
	if strings.Join(accepted, ",") != "OK-1,OK-PHONE,OK-UPI,OK-BEN" {
		t.Errorf("accepted %v", accepted)
	}
	got := map[string]string{}
	for _, f := range out.Failed {
		got[f.TransactionID] = f.Reason
	}
	for _, c := range cases {
		if got[c.id] != c.reason {
			t.Errorf("%s: refused with %q, want %q", c.id, got[c.id], c.reason)
		}
	}

	// A single transfer breaking a rule is refused as a whole call, with the documented code.
	b.raw(http.MethodPost, pathSingle, itemJSON("S-1", "10", "IMPS", "x", "A1", "Sharma & Sons", "123456789012", "HDFC0001234", "")).
		want(t, "single, bad name", 422, 422, "Please provide a valid name.")
	b.raw(http.MethodPost, pathSingle, itemJSON("S-2", "10", "IMPS", "x", "A1", "Asha", "123456789012", "HDFC0001234", `,"vpaHandle":"a@ok"`)).
		want(t, "single, account and VPA", 412, 412, "Bank account and VPA both provided.")
	b.raw(http.MethodPost, pathSingle, goodItem("OK-1")).want(t, "single, reused id", 409, 409, "Transaction ID already exists.")
	if a := b.raw(http.MethodPost, pathSingle, goodItem("S-3")); a.status != 200 || !a.encrypted {
		t.Errorf("single transfer: HTTP %d %s", a.status, a.raw)
	}
}

func TestContract_Token(t *testing.T) {
	post := func(b *bundle, user, pass, clientID string, basic ...string) answer {
		form := url.Values{"username": {user}, "password": {pass}, "grant_type": {"password"}, "clientId": {clientID}}
		req, _ := http.NewRequest(http.MethodPost, b.srv.URL+pathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if len(basic) == 2 {
			req.SetBasicAuth(basic[0], basic[1])
		}
		status, raw := b.do(req)
		a := answer{status: status, raw: raw}
		_ = json.Unmarshal(raw, &a.env)
		return a
	}
	t.Run("documented pair, both shapes", func(t *testing.T) {
		for shape, doc := range map[string]string{"camel": "token_camel.json", "snake": "token_snake.json"} {
			b := setup(t, "token: {shape: "+shape+"}")
			a := post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, "enkash-client", "enkash-secret")
			if a.status != 200 {
				t.Fatalf("%s: HTTP %d %s", shape, a.status, a.raw)
			}
			mustShape(t, doc, a.raw, true)
		}
	})
	t.Run("the merchant's pair is not the Basic pair", func(t *testing.T) {
		b := setup(t, "")
		post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, b.creds.ClientID, b.creds.ClientSecret).
			want(t, "merchant pair", 401, 1, "Bad credentials")
		post(b, b.creds.Username, b.creds.Password, b.creds.ClientID).want(t, "no Basic", 401, 1, "Bad credentials")
		if st := b.sb.Stats(); st.TokenFailures != 2 || st.Locked {
			t.Errorf("stats %+v, want 2 failures, not locked", st)
		}
		post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, "enkash-client", "nope").want(t, "third", 401, 1, "Bad credentials")
		post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, "enkash-client", "enkash-secret").want(t, "locked", 401, 1, "Account locked")
	})
	t.Run("scenario pair", func(t *testing.T) {
		b := setup(t, `token: {basic: "bank-client:bank-secret"}`)
		post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, "enkash-client", "enkash-secret").want(t, "default pair", 401, 1, "Bad credentials")
		if a := post(b, b.creds.Username, b.creds.Password, b.creds.ClientID, "bank-client", "bank-secret"); a.status != 200 {
			t.Errorf("configured pair: HTTP %d %s", a.status, a.raw)
		}
	})
	t.Run("form", func(t *testing.T) {
		b := setup(t, "")
		post(b, b.creds.Username, b.creds.Password, "CEKSANDBOX1", "enkash-client", "enkash-secret").want(t, "client id shape", 422, 422, "Invalid Client ID.")
		post(b, b.creds.Username, "", b.creds.ClientID, "enkash-client", "enkash-secret").want(t, "no password", 400, 1, "Invalid request")
		if st := b.sb.Stats(); st.TokenFailures != 0 {
			t.Errorf("malformed token calls counted as failed logins: %+v", st)
		}
	})
}

func TestContract_Statement(t *testing.T) {
	b := setup(t, "statement: [{type: CREDIT, amount: \"500.00\", remarks: top up, reference: T1, mode: NEFT, at: -1h}]")
	b.login()
	var req map[string]any
	data, _ := os.ReadFile("testdata/docs/statement_request.json")
	_ = json.Unmarshal(data, &req)
	req["fundSourceId"], req["debitAccountNumber"] = "EKCI4XTWKC", "50200012345678"
	req["fromDate"], req["toDate"] = "2025-03-14T00:00:00+05:30", "2025-03-14T23:59:59+05:30"
	text, _ := json.Marshal(req)
	a := b.raw(http.MethodPost, pathStatement, string(text))
	if a.status != 200 || !a.encrypted {
		t.Fatalf("statement: HTTP %d %s", a.status, a.raw)
	}
	mustShape(t, "statement_answer.json", a.raw, true)
	var out wStatementResponse
	if err := json.Unmarshal(a.raw, &out); err != nil || out.ResponseCode != "0" || len(out.Data) != 1 || out.Data[0].TransactionAmount != 500_00 {
		t.Errorf("statement answer %s: %v", a.raw, err)
	}
	for _, field := range []string{"fundSourceId", "debitAccountNumber", "fromDate", "toDate"} {
		m := map[string]any{}
		for k, v := range req {
			if k != field {
				m[k] = v
			}
		}
		text, _ := json.Marshal(m)
		b.raw(http.MethodPost, pathStatement, string(text)).want(t, "without "+field, 422, 422, "Invalid or missing parameter in the request.")
	}
	send := func(q string) answer {
		r, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/api/v0/payout-account/balance"+q, nil)
		r.Header.Set("Authorization", "Bearer "+b.token)
		status, raw := b.do(r)
		a := answer{status: status, raw: raw}
		_ = json.Unmarshal(raw, &a.env)
		return a
	}
	send("").want(t, "balance without fundSourceId", 422, 422, "Invalid or missing parameter in the request.")
	if a := send("?fundSourceId=EKCI4XTWKC"); a.status != 200 {
		t.Errorf("balance: HTTP %d %s", a.status, a.raw)
	}
}

func TestContract_Bills(t *testing.T) {
	b := setup(t, "")
	b.login()
	b.plain(http.MethodGet, "/api/v2/utilityPayment/referenceId/NOPE", "").want(t, "unknown reference", 400, 1, "")
	a := b.plain(http.MethodGet, "/api/v2/utilityPayment/referenceId/NOPE", "")
	mustShape(t, "no_utility_payment.json", a.raw, true)
	if string(a.env.Payload) != `"No utility payment found"` {
		t.Errorf("payload %s, want the text", a.env.Payload)
	}

	a = b.plain(http.MethodPost, "/api/v2/biller/addBill", `{"referenceId":"B-1","billerId":7,"billParams":{"cn":"C1"},"billAmount":500,"billDueDate":"2025-03-20"}`)
	if a.status != 200 {
		t.Fatalf("addBill: HTTP %d %s", a.status, a.raw)
	}
	var rec struct {
		UtilityEnkashID any `json:"utilityEnkashId"`
	}
	_ = json.Unmarshal(a.env.Payload, &rec)
	id, isString := rec.UtilityEnkashID.(string)
	if !isString || id == "" {
		t.Fatalf("utilityEnkashId %#v, want a string", rec.UtilityEnkashID)
	}
	a = b.plain(http.MethodGet, "/api/v2/utilityPayment/referenceId/B-1", "")
	mustShape(t, "bill_by_reference.json", a.raw, false)

	for name, c := range map[string]struct{ path, method, text string }{
		"numeric ids":           {"/api/v0/utilityPayment/status", http.MethodPut, `{"utilityPaymentIds":[` + id + `],"approvalStatus":"CHECKER_APPROVED","remarks":"ok"}`},
		"date-time filter":      {"/api/v1/utilityPayment/search", http.MethodPost, `{"createdDateFrom":"2025-03-14 00:00:00","offset":0,"limit":10}`},
		"numeric biller id":     {"/api/v2/utilityPayment", http.MethodPost, `{"companyBillerId":7123456,"billNetAmount":100,"referenceId":"B-2","validationId":"V"}`},
		"numeric bill id":       {"/api/v2/utilityPayment", http.MethodPost, `{"companyBillerId":"7123456","billNetAmount":100,"referenceId":"B-2","validationId":"V","billId":81234567}`},
		"unknown field":         {"/api/v1/utilityPayment/search", http.MethodPost, `{"createdFrom":"2025-03-14"}`},
		"no companyBillerId":    {"/api/v2/utilityPayment", http.MethodPost, `{"billNetAmount":100,"referenceId":"B-2","validationId":"V"}`},
		"bill date-time":        {"/api/v2/biller/addBill", http.MethodPost, `{"referenceId":"B-3","billerId":7,"billParams":{"cn":"C1"},"billAmount":500,"billDueDate":"2025-03-20T00:00:00Z"}`},
		"biller id as a string": {"/api/v2/biller/fetchOrAddBill", http.MethodPost, `{"billerId":"7","billParams":{"cn":"C1"}}`},
	} {
		b.plain(c.method, c.path, c.text).want(t, name, 412, 1, "Precondition Failed")
	}
	if a := b.plain(http.MethodPut, "/api/v0/utilityPayment/status", `{"utilityPaymentIds":["`+id+`"],"approvalStatus":"CHECKER_APPROVED","remarks":"ok"}`); a.status != 200 {
		t.Errorf("confirm with string ids: HTTP %d %s", a.status, a.raw)
	}
	a = b.plain(http.MethodPost, "/api/v1/utilityPayment/search", `{"createdDateFrom":"2025-03-14","createdDateTo":"2025-03-14","billDueDateFrom":"2025-03-20","billDueDateTo":"2025-03-20","offset":0,"limit":10}`)
	var page struct {
		Bills []map[string]any `json:"utilityPayments"`
	}
	if err := json.Unmarshal(a.env.Payload, &page); a.status != 200 || err != nil || len(page.Bills) != 1 {
		t.Errorf("search by dates: HTTP %d %s", a.status, a.raw)
	}
	if a := b.plain(http.MethodPost, "/api/v1/utilityPayment/search", `{"billDueDateFrom":"2025-03-21","offset":0,"limit":10}`); !strings.Contains(string(a.env.Payload), `"utilityPayments":[]`) {
		t.Errorf("due date filter let a bill through: %s", a.raw)
	}
}

// upload posts a CSV as the multipart file of an AR bulk call.
func (b *bundle) upload(path, csv string) answer {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, _ := w.CreateFormFile("file", "rows.csv")
	f.Write([]byte(csv))
	w.Close()
	r, _ := http.NewRequest(http.MethodPost, b.srv.URL+path, &buf)
	r.Header.Set("Content-Type", w.FormDataContentType())
	r.Header.Set("Authorization", "Bearer "+b.token)
	status, raw := b.do(r)
	a := answer{status: status, raw: raw}
	_ = json.Unmarshal(raw, &a.env)
	return a
}

func TestContract_AccountsReceivable(t *testing.T) {
	b := setup(t, "")
	b.login()
	csv := "legalName,panOrGstin,contactNumber,uniqueRefNo\nAsha Traders,ABCDE1234F,9876543210,CUST-1\n"
	a := b.upload("/api/v0/customer/bulk?companyId=CEKSANDBOX1", csv)
	a.want(t, "company id shape", 412, 412, "Invalid Company ID.")
	var env struct {
		ErrorResponse struct {
			ErrorType, ErrorMessage, RequestID, Timestamp string
		} `json:"errorResponse"`
	}
	if err := json.Unmarshal(a.raw, &env); err != nil || env.ErrorResponse.ErrorType != "VALIDATION_ERROR" || len(env.ErrorResponse.Timestamp) != len("2006-01-02 15:04:05") {
		t.Errorf("AR error answer %s: want an errorResponse", a.raw)
	}
	if a := b.upload("/api/v0/customer/bulk?companyId=CEKSANDBX1", csv); a.status != 200 || !strings.Contains(string(a.env.Payload), `"success_count":1`) {
		t.Fatalf("customer bulk: HTTP %d %s", a.status, a.raw)
	}
	inv := "invoiceNumber,customerId,dueDate,baseAmount\nINV-1,KC123,2025-04-01,100.00\n"
	a = b.upload("/api/v0/invoice/bulk/create?sellerId=CEKSANDBX1", inv)
	if a.status != 200 || !strings.Contains(string(a.env.Payload), "Invalid customerId KC123") {
		t.Errorf("invoice with a malformed customer id: HTTP %d %s", a.status, a.raw)
	}
	b.plain(http.MethodPost, "/api/v0/invoice/search", `{"customerIds":"KC1"}`).want(t, "ids not an array", 422, 422, "Invalid request format.")
}

func TestContract_RefuseConfig(t *testing.T) {
	t.Run("mid-run, on the batch path", func(t *testing.T) {
		b := setup(t, "faults: {refuse_config: {kind: checksum, path: /api/v0/payout-transaction/batch, after: 1}}")
		b.login()
		b.mustBatch("B1", refs("PAY", 2)...)
		a, _ := b.batch("B2", transfer("PAY-0003", 100_00))
		a.want(t, "second batch", 412, 412, "Invalid checksum in the request.")
		if a.encrypted {
			t.Error("refusal encrypted")
		}
		if a, _ := b.search("", wSearchRequest{}); a.status != 200 {
			t.Errorf("search refused too: HTTP %d", a.status)
		}
		calls := b.calls()
		if _, ok := calls["payout_batch/B2"]; ok {
			t.Error("the refused batch was recorded")
		}
		if _, ok := calls["payout/PAY-0003"]; ok {
			t.Error("an item of the refused batch was recorded")
		}
		if st := b.sb.Stats(); st.ConfigRefused != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	for kind, want := range map[string]struct {
		status int
		msg    string
	}{
		"encrypted_request": {422, "Invalid encrypted request."},
		"client_id":         {422, "Invalid Client ID."},
		"company_id":        {412, "Invalid Company ID."},
		"apis_not_enabled":  {403, "APIs not enabled."},
	} {
		t.Run(kind, func(t *testing.T) {
			b := setup(t, "faults: {refuse_config: "+kind+"}")
			b.login()
			a, _ := b.batch("B1", transfer("PAY-1", 100_00))
			a.want(t, kind, want.status, want.status, want.msg)
			if len(b.calls()) != 0 {
				t.Errorf("%s: the refused call was recorded", kind)
			}
		})
	}
	t.Run("encryption_failed is processed first", func(t *testing.T) {
		b := setup(t, "faults: {refuse_config: encryption_failed}")
		b.login()
		a, _ := b.batch("B1", transfer("PAY-1", 100_00))
		a.want(t, "encryption_failed", 403, 403, "Encryption failed for response.")
		if c := b.calls()["payout/PAY-1"]; c.Creates != 1 {
			t.Errorf("PAY-1 = %+v, want recorded once", c)
		}
	})
	t.Run("checksum_items refuses every item", func(t *testing.T) {
		b := setup(t, "faults: {refuse_config: [{kind: checksum_items, path: /api/v0/payout-transaction/batch}]}")
		b.login()
		out := b.mustBatch("B1", refs("PAY", 2)...)
		if len(out.Successful) != 0 || len(out.Failed) != 2 || out.Failed[0].Reason != "REJECT_CHKSUM" {
			t.Fatalf("answer %+v", out)
		}
		if rec, _ := b.statusOf("PAY-0001"); rec.PayoutStatus != "REJECTED" || rec.FailureReason != "REJECT_CHKSUM" {
			t.Errorf("PAY-0001 %+v", rec)
		}
	})
	t.Run("at the token call", func(t *testing.T) {
		b := setup(t, "faults: {refuse_config: {kind: client_id, path: /oauth/token}}")
		status, body := b.tokenRequest(b.creds.Password)
		if status != 422 || !strings.Contains(string(body), "Invalid Client ID.") {
			t.Errorf("token: HTTP %d %s", status, body)
		}
		if st := b.sb.Stats(); st.TokenFailures != 0 {
			t.Errorf("a configuration refusal counted as a failed login: %+v", st)
		}
	})
	t.Run("scenario errors", func(t *testing.T) {
		for _, y := range []string{
			"faults: {refuse_config: chksum}",
			"faults: {refuse_config: {kind: checksum, after: -1}}",
			"faults: {refuse_config: {kind: checksum, when: later}}",
			"faults: {refuse_config: {kind: checksum, path: \"[\"}}",
		} {
			if _, err := sandbox.ParseScenario([]byte(y)); err == nil {
				t.Errorf("%s: no error", y)
			}
		}
	})
}

func TestContract_ExtraConflict(t *testing.T) {
	b := setup(t, `extra:
  - {kind: payout, reference: PAY-0001, amount: "100.00", created_at: -2h,
     beneficiary: {id: ASHA1, name: Asha Traders, account: "123456789012", ifsc: HDFC0001234}}
  - {kind: payout, reference: PAY-0002, amount: "999.00", created_at: "2025-03-14 09:00:00"}
`)
	b.login()
	out := b.mustBatch("B1", refs("PAY", 2)...)
	if len(out.Successful) != 0 || len(out.Failed) != 2 || out.Failed[0].Reason != "REJECT_TXN_ID" || out.Failed[0].Message != "Transaction ID already exists." {
		t.Fatalf("answer %+v", out)
	}
	rec, _ := b.statusOf("PAY-0001")
	if rec.Amount != 100_00 || rec.CreatedAt != "2025-03-14T08:00:00+05:30" || rec.Beneficiary == nil ||
		rec.Beneficiary.Name != "Asha Traders" || rec.Beneficiary.AccountNumber != "123456789012" || rec.Beneficiary.IFSC != "HDFC0001234" {
		t.Errorf("PAY-0001 %+v %+v", rec, rec.Beneficiary)
	}
	rec, _ = b.statusOf("PAY-0002")
	if rec.Amount != 999_00 || rec.CreatedAt != "2025-03-14T09:00:00+05:30" || rec.Beneficiary == nil || rec.Beneficiary.Name != "Unknown Payee" {
		t.Errorf("PAY-0002 %+v %+v", rec, rec.Beneficiary)
	}
	if c := b.calls()["payout/PAY-0001"]; c.Creates != 1 || c.Duplicates != 1 {
		t.Errorf("call log %+v", c)
	}
	if _, err := sandbox.ParseScenario([]byte(`extra: [{kind: payout, reference: X, amount: "1.00", beneficiary: {name: A, account: "123456789"}}]`)); err == nil {
		t.Error("a beneficiary account without IFSC was accepted")
	}
}
