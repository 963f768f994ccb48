/** The delivery worker role alone: run any number of these on one Redis, beside any number of relays. */
import { runRoles } from '../src/runtime/run-roles.js';

await runRoles(['worker']);
