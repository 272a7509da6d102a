/**
 * A tiny model of one nftables table that applies `nft -f` text line by line with the kernel's
 * objections that matter to a sync: a rule or element naming a missing chain or set, flushing or
 * deleting a missing chain, deleting a chain that still has rules or is still the target of a
 * rule or element, adding an element whose key exists with another value, deleting a missing
 * element. Enough to check that a sequence of partial syncs leaves what a full sync writes.
 */
export interface ModelTable {
  chains: Map<string, string[]>;
  /** Set or map name → its declaration (type, flags, timeout, comment). */
  sets: Map<string, string>;
  /** Set or map name → element key → `value|comment`. */
  elements: Map<string, Map<string, string>>;
}

export const emptyModel = (): ModelTable => ({ chains: new Map(), sets: new Map(), elements: new Map() });

const PREFIX = /^(add|flush|delete) (table|chain|set|map|rule|element) ip kube-proxy ?(.*)$/;

function fail(line: string, why: string): never {
  throw new Error(`nft model: ${why}: ${line}`);
}

function targets(text: string): string[] {
  return [...text.matchAll(/(?:goto|jump) ([^\s,}|]+)/g)].map((m) => m[1]);
}

function referenced(t: ModelTable, chain: string): boolean {
  for (const rules of t.chains.values()) if (rules.some((r) => targets(r).includes(chain))) return true;
  for (const els of t.elements.values()) for (const v of els.values()) if (targets(v).includes(chain)) return true;
  return false;
}

function parseElement(line: string, rest: string): { set: string; key: string; value: string } {
  const m = /^(\S+) \{ (.*) \}$/.exec(rest) ?? fail(line, 'bad element');
  const [body, value = ''] = m[2].split(' : ');
  const c = /^(.*?)(?: comment "(.*)")?$/.exec(body)!;
  return { set: m[1], key: c[1], value: `${value}|${c[2] ?? ''}` };
}

function applyChain(t: ModelTable, verb: string, name: string, line: string): void {
  if (verb === 'add') {
    if (!t.chains.has(name)) t.chains.set(name, []);
  } else if (verb === 'flush') {
    if (!t.chains.has(name)) fail(line, 'no such chain');
    t.chains.set(name, []);
  } else {
    if (!t.chains.has(name)) fail(line, 'no such chain');
    if (t.chains.get(name)!.length > 0) fail(line, 'chain not empty');
    if (referenced(t, name)) fail(line, 'chain still referenced');
    t.chains.delete(name);
  }
}

function applyElement(t: ModelTable, verb: string, rest: string, line: string): void {
  const e = parseElement(line, rest);
  const els = t.elements.get(e.set) ?? fail(line, 'no such set');
  if (verb === 'add') {
    for (const c of targets(e.value)) if (!t.chains.has(c)) fail(line, `no such chain ${c}`);
    const old = els.get(e.key);
    if (old !== undefined && old !== e.value) fail(line, 'element exists with another value');
    els.set(e.key, e.value);
  } else if (!els.delete(e.key)) fail(line, 'no such element');
}

function addRule(t: ModelTable, chain: string, rule: string, line: string): void {
  const rules = t.chains.get(chain) ?? fail(line, 'no such chain');
  for (const c of targets(rule)) if (!t.chains.has(c)) fail(line, `no such chain ${c}`);
  rules.push(rule);
}

/**
 * `add chain C { r1 ; r2 ; }` (the blocks form): nft 1.0.6 then has only the table list cached,
 * so a set a rule names must have been declared earlier in the same script.
 */
function applyChainBlock(t: ModelTable, name: string, body: string, declaredHere: Set<string>, line: string): void {
  applyChain(t, 'add', name, line);
  for (const rule of body.split(' ; ').map((r) => r.trim()).filter(Boolean)) {
    for (const m of rule.matchAll(/@([^\s,}]+)/g)) if (!declaredHere.has(m[1])) fail(line, `set ${m[1]} not in nft's cache`);
    addRule(t, name, rule, line);
  }
}

/** `add set|map S { declaration ; [elements = { e1 , e2 } ] }`. */
function applySetDeclaration(t: ModelTable, name: string, decl: string, line: string): void {
  const at = decl.indexOf('elements = { ');
  t.sets.set(name, at < 0 ? decl : `${decl.slice(0, at)}}`);
  if (!t.elements.has(name)) t.elements.set(name, new Map());
  if (at < 0) return;
  const list = decl.slice(at + 'elements = { '.length, decl.lastIndexOf(' } }'));
  for (const e of list.split(' , ')) applyElement(t, 'add', `${name} { ${e} }`, line);
}

/** Applies one `nft -f` script to the model (throws at the first line the kernel would refuse). */
export function applyScript(t: ModelTable, script: string): void {
  const declaredHere = new Set<string>();
  for (const line of script.split('\n').filter(Boolean)) {
    const [, verb, kind, rest] = PREFIX.exec(line) ?? fail(line, 'unparsed');
    const name = rest.split(' ')[0];
    const body = rest.slice(name.length);
    if (kind === 'table') {
      if (verb === 'delete') Object.assign(t, emptyModel());
    } else if (kind === 'chain' && verb === 'add' && / \{ (?!type |comment ")/.test(body)) {
      applyChainBlock(t, name, body.slice(3, -2).replace(/ ;$/, ''), declaredHere, line);
    } else if (kind === 'chain') applyChain(t, verb, name, line);
    else if (kind === 'set' || kind === 'map') {
      if (verb === 'add') {
        applySetDeclaration(t, name, body, line);
        declaredHere.add(name);
      } else if (!t.sets.has(name)) fail(line, 'no such set');
      else if (verb === 'flush') t.elements.set(name, new Map());
      else {
        t.sets.delete(name);
        t.elements.delete(name);
      }
    } else if (kind === 'rule') addRule(t, name, rest.slice(name.length + 1), line);
    else applyElement(t, verb, rest, line);
  }
}

/** The model as plain sorted data, for deepEqual. */
export function snapshot(t: ModelTable): unknown {
  const sorted = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    chains: sorted(t.chains),
    sets: sorted(t.sets),
    elements: sorted(t.elements).map(([s, els]) => [s, sorted(els)]),
  };
}
