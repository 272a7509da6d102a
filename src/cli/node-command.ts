/** `podnet node add|remove`: argument checks, then node-add.ts / node-remove.ts. */
import { validateNodeName } from '../cluster/node-machine.js';

const USAGE = 'usage: podnet node add [--name <cluster>] [<node-name>] | podnet node remove [--name <cluster>] <node-name>';

export async function nodeCommand(cluster: string, args: string[]): Promise<number> {
  const [verb, node, ...extra] = args;
  if (extra.length) throw new Error(`node ${verb}: unexpected argument "${extra[0]}" (${USAGE})`);
  if (verb === 'add') {
    if (node !== undefined) validateNodeName(node);
    await (await import('./node-add.js')).nodeAdd({ name: cluster, node });
    return 0;
  }
  if (verb === 'remove') {
    if (node === undefined) throw new Error(`node remove: <node-name> is required (${USAGE})`);
    await (await import('./node-remove.js')).nodeRemove({ name: cluster, node });
    return 0;
  }
  throw new Error(`node: unknown sub-command "${verb ?? ''}": want add or remove (${USAGE})`);
}
