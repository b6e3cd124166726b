package enkash_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"enkashbatch/enkash"
)

// TestCipher_KnownAnswer checks our cipher against ciphertext produced by Enkash's published
// Node.js recipe (testdata/known_answer.js, run with node to write known_answer.json).
func TestCipher_KnownAnswer(t *testing.T) {
	raw, err := os.ReadFile("testdata/known_answer.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Secret, Plaintext, Ciphertext string }
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no known answers")
	}
	for _, c := range cases {
		cipher := enkash.NewCipher(c.Secret)
		if got := cipher.Encrypt([]byte(c.Plaintext)); got != c.Ciphertext {
			t.Errorf("Encrypt(%q) = %s, want %s", c.Plaintext, got, c.Ciphertext)
		}
		plain, err := cipher.Decrypt(c.Ciphertext)
		if err != nil || string(plain) != c.Plaintext {
			t.Errorf("Decrypt(%s) = %q, %v; want %q", c.Ciphertext, plain, err, c.Plaintext)
		}
	}
}

func TestCipher_DecryptRejectsForeignCiphertext(t *testing.T) {
	ct := enkash.NewCipher("right").Encrypt([]byte(`{"a":1}`))
	for _, bad := range []string{"not base64!", "", "QUJD", ct[:len(ct)-4] + "AAA="} {
		if _, err := enkash.NewCipher("right").Decrypt(bad); !errors.Is(err, enkash.ErrDecrypt) {
			t.Errorf("Decrypt(%q) error = %v, want ErrDecrypt", bad, err)
		}
	}
	if plain, err := enkash.NewCipher("wrong").Decrypt(ct); err == nil && string(plain) == `{"a":1}` {
		t.Error("a different secret decrypted the payload")
	}
}
