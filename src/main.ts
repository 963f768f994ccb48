/**
 * `npm start`: the whole service on one machine, relay and delivery worker in one process (with a private
 * redis-server when REDIS_URL is unset).
 */
import { runRoles } from './runtime/run-roles.js';

await runRoles(['relay', 'worker']);
