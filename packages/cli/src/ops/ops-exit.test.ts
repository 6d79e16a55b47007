import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSockml } from '../lib/sockml-child.js';
import { REPO } from '../test-support.js';

describe('a start-up that fails after /metrics is listening', () => {
  it('still ends the process with its exit code (the server is closed, not left holding Node open)', async () => {
    // collect serves /metrics before it sets up Kafka; an empty --models directory is bad input there.
    const empty = mkdtempSync(join(tmpdir(), 'sockml-no-models-'));
    const started = Date.now();
    const r = await spawnSockml(['collect', '--prometheus', 'http://127.0.0.1:1', '--kafka', '127.0.0.1:1', '--models', empty, '--port', '0'], { cwd: REPO, timeoutMs: 20_000 }).done;
    expect(r.signal, `killed after ${Date.now() - started} ms: the process did not end`).toBeNull();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/no model cards to take the feature set from/);
  });
});
