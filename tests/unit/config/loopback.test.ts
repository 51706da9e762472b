import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isLoopbackHost } from '../../../src/config/loopback.js';
import { isIpOrCidr, isOrigin } from '../../../src/config/spec.js';

void describe('config host and list-entry checks', () => {
  void it('recognises loopback hosts and nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '::2', '128.0.0.1', '']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  void it('accepts IP addresses and CIDR ranges only', () => {
    for (const entry of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '::1', 'fd00::/8', '::/128']) {
      assert.equal(isIpOrCidr(entry), true, entry);
    }
    for (const entry of ['10.0.0.0/33', 'fd00::/129', '10.0.0/8', 'host', '10.0.0.1/', '/8', '10.0.0.1/-1']) {
      assert.equal(isIpOrCidr(entry), false, entry);
    }
  });

  void it('accepts bare origins only', () => {
    assert.equal(isOrigin('https://app.example.com'), true);
    assert.equal(isOrigin('http://localhost:3000'), true);
    assert.equal(isOrigin('https://app.example.com/'), false);
    assert.equal(isOrigin('ftp://x.example.com'), false);
    assert.equal(isOrigin('*'), false);
  });
});
