/**
 * Entry of podnet's built-in images: `node dist/src/images/main.js <image> [args...]` runs the
 * program the named image would run. No registry is reachable, so these stand in for httpd,
 * nginx, the bootcamp app, agnhost, CoreDNS and pause.
 */
import { pathToFileURL } from 'node:url';
import { builtinImageFor } from './builtin.js';
import { agnhost } from './agnhost.js';
import { bootcamp, httpd, nginx } from './web-servers.js';
import { pause } from './pause.js';

interface DnsMain {
  main(args: string[]): Promise<void>;
}

async function coredns(args: string[]): Promise<void> {
  // A variable specifier: the DNS component is built separately and loaded only when used.
  const specifier = '../dns/main.js';
  const mod = (await import(specifier)) as DnsMain;
  await mod.main(args);
}

/** Runs the built-in program for `image`; throws for an image that is not built in. */
export async function runImage(image: string, args: string[]): Promise<void> {
  const builtin = builtinImageFor(image);
  switch (builtin) {
    case 'httpd':
      return httpd();
    case 'nginx':
      return nginx();
    case 'bootcamp':
      return bootcamp();
    case 'agnhost':
      return agnhost(args);
    case 'coredns':
      return coredns(args);
    case 'pause':
      return pause();
    default:
      throw new Error(`images: Cannot run image "${image}": podnet has no built-in program for it`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [image, ...args] = process.argv.slice(2);
  if (!image) {
    process.stderr.write('usage: main.js <image> [args...]\n');
    process.exit(2);
  }
  runImage(image, args).then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
