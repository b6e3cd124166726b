package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Refusals of a whole call for a configuration reason (D: the payout response code table), which
// a scenario injects with faults.refuse_config so that a test can watch a run meet one midway:
// a wrong checksum, an encryption key Enkash does not accept, a wrong client or company id, APIs
// not enabled for the account. Each is answered with its documented HTTP status and the same
// response_code in the body, before anything is processed or recorded, except where noted.
const (
	RefuseChecksum         = "checksum"          // 412 "Invalid checksum in the request."
	RefuseChecksumItems    = "checksum_items"    // a batch: every item refused REJECT_CHKSUM (recorded as REJECTED); other calls as checksum
	RefuseEncryptedRequest = "encrypted_request" // 422 "Invalid encrypted request."
	RefuseClientID         = "client_id"         // 422 "Invalid Client ID."
	RefuseCompanyID        = "company_id"        // 412 "Invalid Company ID."
	RefuseAPIsNotEnabled   = "apis_not_enabled"  // 403 "APIs not enabled."
	RefuseEncryptionFailed = "encryption_failed" // processed and recorded, then 403 "Encryption failed for response."
)

var refusalKinds = []string{RefuseChecksum, RefuseChecksumItems, RefuseEncryptedRequest, RefuseClientID,
	RefuseCompanyID, RefuseAPIsNotEnabled, RefuseEncryptionFailed}

// Refusal is one configuration refusal of a scenario (faults.refuse_config).
type Refusal struct {
	// Kind is one of the Refuse* words.
	Kind string `yaml:"kind"`
	// Path limits the refusal to the API calls whose path is Path or matches it as a glob
	// ("/api/v0/payout-transaction/*"); empty means every API call but the token call. The
	// token call is refused only when Path is "/oauth/token".
	Path string `yaml:"path"`
	// After lets the first After matching calls through, so that a run meets the refusal midway.
	After int `yaml:"after"`
}

// Refusals is faults.refuse_config: in YAML a kind ("checksum"), one mapping
// ({kind: checksum, path: /api/v0/payout-transaction/batch, after: 1}) or a list of them.
type Refusals []Refusal

var refusalKeys = []string{"kind", "path", "after"}

// UnmarshalYAML reads a kind, a mapping or a list of mappings, refusing unknown keys.
func (rs *Refusals) UnmarshalYAML(n *yaml.Node) error {
	one := func(n *yaml.Node) (Refusal, error) {
		switch n.Kind {
		case yaml.ScalarNode:
			return Refusal{Kind: strings.TrimSpace(n.Value)}, nil
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if key := n.Content[i]; !slices.Contains(refusalKeys, key.Value) {
					return Refusal{}, fmt.Errorf("line %d: field %s not found in refuse_config (keys: %s)", key.Line, key.Value, strings.Join(refusalKeys, ", "))
				}
			}
			type plain Refusal
			var p plain
			if err := n.Decode(&p); err != nil {
				return Refusal{}, err
			}
			return Refusal(p), nil
		}
		return Refusal{}, fmt.Errorf("line %d: refuse_config must be a kind such as checksum, or {kind, path, after}", n.Line)
	}
	var out Refusals
	if n.Kind == yaml.SequenceNode {
		for _, c := range n.Content {
			r, err := one(c)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
	} else {
		r, err := one(n)
		if err != nil {
			return err
		}
		out = Refusals{r}
	}
	*rs = out
	return nil
}

// check validates one refusal.
func (r Refusal) check() error {
	if !slices.Contains(refusalKinds, r.Kind) {
		return fmt.Errorf("kind %q is not one of %s", r.Kind, strings.Join(refusalKinds, ", "))
	}
	if r.After < 0 {
		return fmt.Errorf("after %d is negative", r.After)
	}
	if _, err := path.Match(r.Path, ""); err != nil {
		return fmt.Errorf("path %q is not a valid glob: %w", r.Path, err)
	}
	return nil
}

// matches reports whether the refusal applies to calls of urlPath.
func (r Refusal) matches(urlPath string) bool {
	if r.Path == "" {
		return urlPath != pathToken
	}
	if r.Path == urlPath {
		return true
	}
	ok, err := path.Match(r.Path, urlPath)
	return err == nil && ok
}

// processes reports whether a call of urlPath that meets the refusal is processed before it is
// answered (encryption_failed; checksum_items on a batch, whose items it refuses one by one).
func (r Refusal) processes(urlPath string) bool {
	return r.Kind == RefuseEncryptionFailed || (r.Kind == RefuseChecksumItems && urlPath == pathBatchTransfer)
}

// answer is the documented answer of the refusal.
func (r Refusal) answer() *apiError {
	switch r.Kind {
	case RefuseEncryptedRequest:
		return errInvalid(msgInvalidEncrypted)
	case RefuseClientID:
		return errInvalid(msgInvalidClientID)
	case RefuseCompanyID:
		return &apiError{http.StatusPreconditionFailed, codePrecondition, msgInvalidCompanyID, nil}
	case RefuseAPIsNotEnabled:
		return &apiError{http.StatusForbidden, codeForbidden, msgAPIsNotEnabled, nil}
	case RefuseEncryptionFailed:
		return &apiError{http.StatusForbidden, codeForbidden, msgEncryptionFailed, nil}
	}
	return &apiError{http.StatusPreconditionFailed, codePrecondition, msgInvalidChecksum, nil}
}

// refusal counts a call of urlPath against every refusal that matches it and returns the first
// whose After calls have gone through.
func (s *Server) refusal(urlPath string) (Refusal, bool) {
	if len(s.refusals) == 0 {
		return Refusal{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var hit *Refusal
	for i := range s.refusals {
		r := &s.refusals[i]
		if !r.matches(urlPath) {
			continue
		}
		s.refused[i]++
		if hit == nil && s.refused[i] > r.After {
			hit = r
		}
	}
	if hit == nil {
		return Refusal{}, false
	}
	return *hit, true
}

type refusalKey struct{}

func withRefusal(ctx context.Context, r Refusal) context.Context {
	return context.WithValue(ctx, refusalKey{}, r)
}

// refusalOf returns the refusal a request met, if it is processed anyway.
func refusalOf(r *http.Request) (Refusal, bool) {
	v, ok := r.Context().Value(refusalKey{}).(Refusal)
	return v, ok
}
