// Writes docs/sockml.schema.json from SOCKML_CONFIG_SCHEMA (packages/core/src/config/sockml-config.ts),
// the schema `--config` files are validated with. Build first (pnpm -r run build); a test fails when the
// two differ.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOCKML_CONFIG_SCHEMA } from '../packages/core/dist/index.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'sockml.schema.json');
writeFileSync(out, JSON.stringify(SOCKML_CONFIG_SCHEMA, null, 2) + '\n');
console.log(`wrote ${out}`);
