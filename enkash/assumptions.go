// Package enkash is the client of the Enkash APIs: token, payload encryption and the payout
// family. One Client holds the token, the rate limiters and the HTTP client; each API family
// is a service on it (Client.Payouts). Every call goes through one request path that
// encrypts, rate-limits, retries what is safe to retry and turns any failure into an
// *APIError or a classified error (see IsDuplicate, IsRejected, IsAmbiguous, IsConfigRefusal,
// IsUnreachable, ErrAuthRejected and ErrUnreachable).
//
// Enkash's portal is incomplete; docs/enkash.md lists every documented fact this package relies
// on with its page. Every fact that is not documented there is an assumption, marked
// "Assumption:" where it is coded. The full list:
//
// Wire format (wire.go):
//   - PathSearchPayouts: the payout search path, POST /api/v0/payout-transaction/search.
//   - SearchTransfersRequest: its filters (transactionIds, batchTransactionId, fromDate, toDate,
//     statuses) follow Enkash's other search endpoints.
//   - SearchTransfersResponse: records come in "transfers", the number of matches in "totalCount".
//   - TransferRecord: at least transactionId, enkashTransactionId, transferAmount, payoutStatus,
//     failureReason, utr and timestamps.
//   - TransferFailure / BatchTransferResponse.Failed: a batch answer lists refused items in
//     failedPayoutTransactionCreateResponses, each with transactionId and a reason code.
//   - Beneficiary: the e-mail and phone field names.
//   - Transfer: the payee is named by beneficiaryId or beneficiaryDetail; checksum is omitted.
//   - InlineBeneficiaryID: an inline payee carries a beneficiaryId, derived from its account
//     and IFSC or VPA when the file gives none.
//
// Request path (client.go):
//   - checkResponse: error answers may come back unencrypted, as a plain envelope or as a body
//     that is not JSON; both are read, and a plain envelope is accepted on success too.
//   - parseEnvelope: a JSON object with neither response_code nor payload is a bare payload and
//     counts as success (the balance page shows {"totalBalance": ...} without an envelope).
//   - Payout codes 403, 409, 412 and 422 may come as HTTP statuses or as response_code; both are
//     handled (APIError keeps both).
//
// Errors and retries (errors.go, retry.go):
//   - isBackOff: HTTP 408 and 429 and BBPS codes 36/37 mean "not processed, try later", so they
//     are retried even for a create; Retry-After is honoured.
//   - IsAmbiguous: a 403 ("Encryption failed for response") may be written after the request
//     was processed, so a 403 leaves a create's outcome unknown, like a 5xx; it is also a
//     ConfigRefusal (the run stops; the references are kept).
//   - configRefusal: the refusals are recognised by their documented words (checksum,
//     REJECT_CHKSUM, encrypted request, encryption failed, client id, company id) in the
//     message or body, with either the HTTP status or the response_code; a 403 without those
//     words is "APIs not enabled or IP not allow-listed" (ENKASH_CLIENT_ID).
//   - checkResponse: an answer that is an HTML page is not Enkash's API (Unreachable, "check
//     ENKASH_BASE_URL").
//
// Token (token.go):
//   - DefaultOAuthClient: the token call's Basic pair is enkash-client:enkash-secret (what the
//     payout, AR and bill payment examples send), not the merchant's client id and secret as
//     one page's prose says; ENKASH_OAUTH_CLIENT changes it (Config.OAuthClient).
//   - tokenAttempt: a 404 or 405 at the token endpoint is a wrong base URL, not a refused login;
//     an HTML page (any status) is not Enkash's API; neither counts towards the lockout.
//   - defaultTokenTTL: with no expires_in, a token lives 5 minutes (the portal's text); with one,
//     expires_in is trusted and the token renewed up to 30 s before it ends.
//   - Refresh tokens are not used (the refresh grant is not documented): a new token comes from
//     the password grant.
//   - maxTokenAttemptsReached: a 5xx or a broken connection at the token endpoint is not counted
//     as a failed login; still, at most two such attempts are made per fetch. Any 4xx other than
//     408/429, a response_code other than 0, or an answer without a token counts as a refused
//     login and stops every later call of the Client (ErrAuthRejected).
//
// Payouts (payouts.go):
//   - Search: offset and limit are query parameters.
//   - maxSearchIDs: at most 1,000 transaction ids per search call.
//   - SearchAll: totalCount, when given, counts every match; without it a short page is the last.
//   - balanceResponse: the balance answer is encrypted like every payout answer; totalBalance
//     is a decimal rupee number.
//
// Statement (wire.go, payouts.go):
//   - StatementRequest: both dates are inclusive, to the second, sent in RFC 3339 in India
//     time; one call answers the whole window (no paging is documented).
//   - StatementLine: transactionDate is RFC 3339 and valueDate yyyy-MM-dd; transactionAmount is
//     positive, its direction given by transactionType; runningBalance is the balance just after
//     the line; a payout's debit carries its transactionId and its UTR as the reference number.
//   - StatementResponse: besides the documented top-level "data", a "data" inside "payload" is
//     read too; the lines are oldest first, with no opening or closing balance beside them.
//   - Statement is retried as a read.
//
// Accounts receivable (ar_wire.go, ar.go):
//   - AR hosts: the same base URL as payouts; AR calls are plain JSON, not encrypted.
//   - CustomerUploadColumns, InvoiceUploadColumns: the upload file is a CSV whose columns are
//     the single-create call's JSON names (plus contactName and customerId for customers);
//     amounts in decimal rupees, dates yyyy-MM-dd; RenderCustomers and RenderInvoices are the
//     one place that knows it.
//   - BulkResponse: customer bulk create, customer bulk update and invoice bulk create all
//     answer it; BulkRow: each item carries row, uniqueRefNo / invoiceNumber / externalId, the
//     new customerId / invoiceId on success and a message on failure.
//   - BulkRow.AlreadyExists: a failure row whose message says "already exists" (the words of
//     the documented 409s) means Enkash holds a record under the row's key: not a refusal.
//   - DefaultUploadRows: at most 1,000 rows per upload.
//   - companyID: without ENKASH_COMPANY_ID, the client id is the company id (both CEK...).
//   - SearchCustomersRequest: uniqueRefNos, customerIds and createdOnFrom/To are filters;
//     SearchInvoicesRequest: externalIds and invoiceNumbers are filters.
//   - SearchCustomersResponse / SearchInvoicesResponse: records in "customers" / "invoices",
//     the number of matches in "totalCount"; paging as for payouts (pageAll).
//   - CustomerRecord: its field names and status words (ACTIVE, INACTIVE, DELETED).
//   - Invoice statuses: a new invoice is UNPAID, then PARTIALLY_PAID or PAID, or CANCELLED.
//   - maxARSearchIDs: at most 1,000 references per AR search call.
//
// BBPS bill payments (bills_wire.go, bills.go):
//   - BBPS hosts: the same base URL as payouts; BBPS calls are plain JSON, not encrypted.
//   - FlexID: the ids are written as strings (documented); a number in an answer is read too.
//   - ConfirmDebitRequest: utilityPaymentIds are the bills' utilityEnkashIds.
//   - CreateBillRequest: the create-after-fetch answer is shaped like addBill's (its page shows
//     no answer). Its dates (billDate, billDueDate) and addBill's circle are documented.
//   - FetchedBill.BillDate: a fetch may give the bill's date.
//   - SearchBillsResponse: the bills come in "utilityPayments" with "totalCount"; a bare array
//     of bills is read too; SearchAll: without totalCount a short page is the last.
//   - BillStatus: AGENCY_FAILED, ON_HOLD and REINITIATE are not final (followed, not closed); a
//     bill rejected at approval has failed.
//   - BillRecord.Fetched: only a fetch gives a billNumber, so a bill with one was paid at the
//     biller's amount and has no amount of ours to compare with.
//   - Fetch: fetchOrAddBill creates no payment and is retried like a read.
//   - ConfirmDebit: approving a bill already approved changes nothing; retried like a read.
//   - Duplicate referenceId (code 38) may come with any HTTP status (IsDuplicate reads the code).
package enkash
