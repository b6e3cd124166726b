package sandbox

import (
	"bytes"
	"crypto/aes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// payloadCipher is Enkash's payout payload encryption as the portal describes it, written here
// independently of the client: AES-128 in ECB mode with PKCS#5 padding, the key being the first
// 16 bytes of the SHA-256 of the client secret, the ciphertext in standard Base64. Go has no ECB
// mode, so the blocks are processed one by one.
type payloadCipher struct{ key []byte }

func newPayloadCipher(clientSecret string) payloadCipher {
	sum := sha256.Sum256([]byte(clientSecret))
	return payloadCipher{key: sum[:16]}
}

// seal returns the Base64 ciphertext of plain.
func (c payloadCipher) seal(plain []byte) string {
	block, _ := aes.NewCipher(c.key) // 16 bytes: never fails
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(n)}, n)...)
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Encrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(buf)
}

var errOpen = errors.New("ciphertext does not decrypt with the client secret")

// open returns the plaintext of a Base64 ciphertext.
func (c payloadCipher) open(text string) ([]byte, error) {
	buf, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, errOpen
	}
	block, _ := aes.NewCipher(c.key)
	for i := 0; i < len(buf); i += aes.BlockSize {
		block.Decrypt(buf[i:i+aes.BlockSize], buf[i:i+aes.BlockSize])
	}
	n := int(buf[len(buf)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(buf[len(buf)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errOpen
	}
	return buf[:len(buf)-n], nil
}
