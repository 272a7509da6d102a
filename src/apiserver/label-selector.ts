/**
 * Label selectors in their string form (apimachinery pkg/labels Parse): comma-separated
 * requirements `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, AND-ed.
 */
import { badRequest } from './status.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!';
export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}
export type LabelSelector = LabelRequirement[];

/** Splits at commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';

function parseTerm(term: string, whole: string): LabelRequirement {
  let m = new RegExp(`^!\\s*(${KEY})$`).exec(term);
  if (m) return { key: m[1], op: '!', values: [] };
  m = new RegExp(`^(${KEY})$`).exec(term);
  if (m) return { key: m[1], op: 'exists', values: [] };
  m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(term);
  if (m) return { key: m[1], op: m[2] as LabelOperator, values: m[3].split(',').map((v) => v.trim()) };
  m = new RegExp(`^(${KEY})\\s*(==|!=|=)\\s*([-A-Za-z0-9_.]*)$`).exec(term);
  if (m) return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
  throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, exists or !key (selector "${whole}")`);
}

/** Parses a selector string; an empty string selects everything. Throws a 400 StatusError. */
export function parseLabelSelector(s: string | null | undefined): LabelSelector {
  if (!s) return [];
  return splitTerms(s).map((t) => parseTerm(t, s));
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
    }
  });
}

/** The string form of a map selector, as Scale.status.selector and kubectl show it: `a=b,c=d`. */
export function formatMatchLabels(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** metav1.LabelSelector (matchLabels + matchExpressions) as a selector string. */
export function formatLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  if (!sel) return '';
  const parts = formatMatchLabels(sel.matchLabels) ? [formatMatchLabels(sel.matchLabels)] : [];
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
