// Copies what tsc does not emit next to the compiled JavaScript: the Lua scripts and the live console's static
// files (page, script, style sheet, icon).
import { cpSync } from 'node:fs';

cpSync('src/redis/lua', 'dist/src/redis/lua', { recursive: true });
cpSync('src/http/console', 'dist/src/http/console', { recursive: true });
