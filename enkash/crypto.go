package enkash

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Cipher encrypts and decrypts payout payloads exactly as Enkash documents: AES-128 in ECB mode
// with PKCS#5 padding, the key being the first 16 bytes of SHA-256 of the client secret, the
// ciphertext in standard Base64 (docs/enkash.md, "Payload encryption"). Go has no ECB mode, so blocks are
// processed one by one with crypto/aes.
type Cipher struct {
	key [16]byte
}

// NewCipher derives the payload cipher from a client secret.
func NewCipher(clientSecret string) *Cipher {
	sum := sha256.Sum256([]byte(clientSecret))
	c := &Cipher{}
	copy(c.key[:], sum[:16])
	return c
}

// Encrypt returns the Base64 ciphertext of plaintext.
func (c *Cipher) Encrypt(plaintext []byte) string {
	block, _ := aes.NewCipher(c.key[:]) // a 16-byte key never fails
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext)+pad)
	copy(buf, plaintext)
	copy(buf[len(plaintext):], bytes.Repeat([]byte{byte(pad)}, pad))
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

// ErrDecrypt means a payload did not decrypt with our key: a wrong client secret, or a
// corrupted answer.
var ErrDecrypt = errors.New("payload does not decrypt with the configured client secret")

// Decrypt returns the plaintext of a Base64 ciphertext.
func (c *Cipher) Decrypt(ciphertext string) ([]byte, error) {
	buf, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %v", ErrDecrypt, err)
	}
	if len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a whole number of blocks", ErrDecrypt, len(buf))
	}
	block, _ := aes.NewCipher(c.key[:])
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Decrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(buf[len(buf)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("%w: bad padding", ErrDecrypt)
	}
	return buf[:len(buf)-pad], nil
}
