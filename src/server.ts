/** The relay role alone (HTTP API, SSE, ingest): run any number of these on one Redis. */
import { runRoles } from './runtime/run-roles.js';

await runRoles(['relay']);
