// Enkash's published Node.js recipe (docs/enkash.md, "Payload encryption"), run with `node known_answer.js`
// to produce known_answer.json. The Go cipher must give byte-identical ciphertext.
const crypto = require('crypto');
const cases = [
  { secret: 'demo-client-secret', plaintext: '{"batchTransactionId":"BT-1","transfers":[{"transactionId":"PAY-0001","transferAmount":1250.50,"transferMode":"IMPS"}]}' },
  { secret: 'Zx9!long secret with spaces & ünïcode', plaintext: '' },
  { secret: 's', plaintext: '0123456789abcdef' },
  { secret: 'another-secret', plaintext: '{"transactionIds":["PAY-0001","PAY-0002"]}' },
];
const out = cases.map(({ secret, plaintext }) => {
  const key = crypto.createHash('sha256').update(secret).digest().slice(0, 16);
  const cipher = crypto.createCipheriv('aes-128-ecb', key, null);
  const ciphertext = cipher.update(plaintext, 'utf8', 'base64') + cipher.final('base64');
  return { secret, plaintext, ciphertext };
});
console.log(JSON.stringify(out, null, 2));
