// The two Piston clients from the npm registry, unchanged, against runbox's Piston face.
// Usage: node piston.mjs BASE_URL   (e.g. http://127.0.0.1:18089)
// Prints one JSON line per call: {"client", "call", "result"}; the shell suite checks them.
import piston from 'piston-client';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { NodePistonClient, PistonClient } = require('piston-api-client');
const server = process.argv[2];
const say = (client, call, result) => console.log(JSON.stringify({ client, call, result }));

// piston-client: JSON sent as text/plain; it picks the version from runtimes() itself.
const a = piston({ server });
say('piston-client', 'runtimes', await a.runtimes());
say('piston-client', 'python', await a.execute('python', 'import sys\nprint(input(), sys.argv[1:])',
                                                { stdin: 'hello', args: ['x', 'y z'] }));
say('piston-client', 'c', await a.execute('c', '#include <stdio.h>\nint main(void){puts("from C");return 2;}'));
say('piston-client', 'alias', await a.execute('py', 'print(1)'));

// piston-api-client: NodePistonClient sends chunked bodies; PistonClient uses fetch.
const b = new NodePistonClient({ server, cacheTime: 0 });
say('NodePistonClient', 'runtimes', await b.runtimes());
say('NodePistonClient', 'execute', await b.execute({
    language: 'js', version: '*', files: [{ name: 'main.js', content: 'console.log(process.argv.slice(2).join(","))' }],
    args: ['a', 'b'] }));
say('NodePistonClient', 'compile_error', await b.execute({
    language: 'c++', version: '12.x', files: [{ content: 'int main() { return x; }' }] }));
say('NodePistonClient', 'unknown', await b.execute({ language: 'cobol', version: '*', files: [{ content: 'x' }] }));
const c = new PistonClient({ server, cacheTime: 0 });
say('PistonClient', 'execute', await c.execute({
    language: 'rust', version: '^1', files: [{ content: 'fn main() { println!("from rust"); }' }] }));
say('PistonClient', 'timeout', await c.execute({
    language: 'python', version: '3', files: [{ content: 'while True: pass' }], run_timeout: 1000 }));
