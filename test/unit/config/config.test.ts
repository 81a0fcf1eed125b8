import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, z, port, commonServiceConfig, byteSize } from '../../../libs/config/index.js';
import { isAttestryError } from '../../../libs/core/index.js';

const schema = z.object({ ...commonServiceConfig, PORT: port(8081), MAX_BODY: byteSize(8 * 1024 * 1024) });

describe('parseConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const c = parseConfig(schema, {
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    });
    assert.deepEqual(c.KAFKA_BROKERS, ['127.0.0.1:9092', '127.0.0.1:9094']);
    assert.equal(c.PORT, 8081);
    assert.equal(c.HOST, '127.0.0.1');
    assert.equal(c.LOG_LEVEL, 'info');
    assert.equal(c.MAX_BODY, 8 * 1024 * 1024);
  });

  it('reports every problem on its own line naming the variable', () => {
    try {
      parseConfig(schema, { PORT: '99999', LOG_LEVEL: 'loud', MAX_BODY: 'lots' });
      assert.fail('should have thrown');
    } catch (e) {
      assert.ok(isAttestryError(e, 'CONFIG_INVALID'));
      const lines = e.details as string[];
      const vars = lines.map((l) => l.split(':')[0]).sort();
      assert.deepEqual(vars, ['DATABASE_URL', 'KAFKA_BROKERS', 'LOG_LEVEL', 'MAX_BODY', 'PORT']);
      assert.ok(lines.find((l) => l.startsWith('KAFKA_BROKERS'))?.includes('missing'));
    }
  });

  it('parses byte sizes with MiB and KiB suffixes', () => {
    const c = parseConfig(schema, { KAFKA_BROKERS: 'h:1', DATABASE_URL: 'postgres://x', MAX_BODY: '2MiB' });
    assert.equal(c.MAX_BODY, 2 * 1024 * 1024);
  });

  it('rejects a broker list entry without a port', () => {
    assert.throws(
      () => parseConfig(schema, { KAFKA_BROKERS: 'localhost', DATABASE_URL: 'postgres://x' }),
      (e: unknown) => isAttestryError(e, 'CONFIG_INVALID'),
    );
  });
});
