// Copies what tsc does not emit (the Lua scripts) next to the compiled JavaScript.
import { cpSync } from 'node:fs';

cpSync('src/redis/lua', 'dist/src/redis/lua', { recursive: true });
