/**
 * A change to one nftables table, as a value (knftables Transaction): operations collect in
 * order and toString() renders exactly the `nft -f -` input. Rendering groups operations so
 * that declarations come before the rules and elements that reference them (nft 1.0.6 rejects a
 * forward reference) and deletes of chains/sets come last (after whatever referenced them was
 * flushed). An invalid operation is kept and reported by `err`, never thrown by add().
 */
export type Family = 'ip' | 'ip6' | 'inet';
export type Verb = 'add' | 'flush' | 'delete';

export interface TableObj { kind: 'table'; comment?: string }
export interface ChainObj {
  kind: 'chain';
  name: string;
  /** Base chains only: type, hook and numeric priority. */
  type?: 'filter' | 'nat' | 'route';
  hook?: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority?: number;
  comment?: string;
}
export interface SetObj {
  kind: 'set' | 'map';
  name: string;
  type?: string;
  flags?: string[];
  timeoutSeconds?: number;
  comment?: string;
}
export interface RuleObj { kind: 'rule'; chain: string; rule: string; comment?: string }
export interface ElementObj {
  kind: 'element';
  /** The set or map name. */
  set: string;
  key: string[];
  value?: string[];
  comment?: string;
}
export type NftObject = TableObj | ChainObj | SetObj | RuleObj | ElementObj;

export interface Operation { verb: Verb; obj: NftObject }

const q = (s: string): string => JSON.stringify(s);

/** Order of an operation in the rendered script (stable within a phase). */
function phase(op: Operation): number {
  const { verb, obj } = op;
  if (obj.kind === 'table') return verb === 'delete' ? 0 : 1;
  if (obj.kind === 'rule' || obj.kind === 'element') return 2;
  return verb === 'delete' ? 3 : 1;
}

function validate(op: Operation): string | undefined {
  const { verb, obj } = op;
  switch (obj.kind) {
    case 'chain':
      if (!obj.name) return 'chain.name: Required value';
      if ((obj.type === undefined) !== (obj.hook === undefined) || (obj.type !== undefined && obj.priority === undefined))
        return `chain ${q(obj.name)}: a base chain needs type, hook and priority together`;
      return undefined;
    case 'set':
    case 'map':
      if (!obj.name) return `${obj.kind}.name: Required value`;
      if (verb === 'add' && !obj.type) return `${obj.kind} ${q(obj.name)}: type: Required value`;
      return undefined;
    case 'rule':
      if (verb !== 'add') return `rule in ${q(obj.chain)}: ${verb} is not supported for rules (flush the chain)`;
      return obj.chain && obj.rule ? undefined : 'rule: chain and rule text are required';
    case 'element':
      if (verb === 'flush') return `element in ${q(obj.set)}: flush is not supported for elements`;
      return obj.set && obj.key.length > 0 ? undefined : 'element: set and key are required';
    default:
      return undefined;
  }
}

/**
 * `phased` (default): declarations first, then rules and elements, then deletes (any insertion
 * order is valid). `added`: exactly as added (knftables' order); the caller declares before use.
 */
export type RenderOrder = 'phased' | 'added';

export class Transaction {
  readonly operations: Operation[] = [];
  /** The first invalid operation's problem; a transaction with an error must not be run. */
  err: Error | undefined;

  constructor(readonly family: Family, readonly table: string, readonly order: RenderOrder = 'phased') {}

  add(obj: NftObject): this { return this.push('add', obj); }
  flush(obj: NftObject): this { return this.push('flush', obj); }
  delete(obj: NftObject): this { return this.push('delete', obj); }

  get numOperations(): number { return this.operations.length; }

  toString(): string {
    if (this.order === 'added') return this.operations.map((op) => this.render(op) + '\n').join('');
    const indexed = this.operations.map((op, i) => ({ op, i, p: phase(op) }));
    indexed.sort((a, b) => a.p - b.p || a.i - b.i);
    return indexed.map(({ op }) => this.render(op) + '\n').join('');
  }

  private push(verb: Verb, obj: NftObject): this {
    const problem = validate({ verb, obj });
    if (problem && !this.err) this.err = new Error(`nftables: Invalid ${verb} operation: ${problem}`);
    this.operations.push({ verb, obj });
    return this;
  }

  private render({ verb, obj }: Operation): string {
    const t = `${this.family} ${this.table}`;
    switch (obj.kind) {
      case 'table':
        return `${verb} table ${t}` + (verb === 'add' && obj.comment !== undefined ? ` { comment ${q(obj.comment)} ; }` : '');
      case 'chain':
        return `${verb} chain ${t} ${obj.name}` + (verb === 'add' ? chainProps(obj) : '');
      case 'set':
      case 'map':
        return `${verb} ${obj.kind} ${t} ${obj.name}` + (verb === 'add' ? setProps(obj) : '');
      case 'rule':
        return `${verb} rule ${t} ${obj.chain} ${obj.rule}` + (obj.comment !== undefined ? ` comment ${q(obj.comment)}` : '');
      case 'element': {
        let s = `${verb} element ${t} ${obj.set} { ${obj.key.join(' . ')}`;
        if (verb === 'add' && obj.comment !== undefined) s += ` comment ${q(obj.comment)}`;
        if (verb === 'add' && obj.value?.length) s += ` : ${obj.value.join(' . ')}`;
        return s + ' }';
      }
    }
  }
}

function chainProps(c: ChainObj): string {
  if (c.type === undefined && c.comment === undefined) return '';
  let s = ' {';
  if (c.type !== undefined) s += ` type ${c.type} hook ${c.hook} priority ${c.priority} ;`;
  if (c.comment !== undefined) s += ` comment ${q(c.comment)} ;`;
  return s + ' }';
}

function setProps(o: SetObj): string {
  let s = ` { type ${o.type} ;`;
  if (o.flags?.length) s += ` flags ${o.flags.join(',')} ;`;
  if (o.timeoutSeconds !== undefined) s += ` timeout ${o.timeoutSeconds}s ;`;
  if (o.comment !== undefined) s += ` comment ${q(o.comment)} ;`;
  return s + ' }';
}
