/**
 * meta.k8s.io/v1 Table responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`):
 * one row per object with upstream's columns, rows carrying PartialObjectMetadata so kubectl can
 * show NAMESPACE, labels and -L columns.
 */
import type { Obj } from './codec.js';
import { printerFor } from './printers.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether the Accept header asks for a Table (v1 or v1beta1) before plain JSON. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  const first = accept.split(',')[0];
  return /as=Table/.test(first) && /g=meta\.k8s\.io/.test(first);
}

function rowObject(obj: Obj, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: unknown[];
  rows: { cells: unknown[]; object?: unknown }[];
}

/** The rows of objects of one kind (a list is written a slice of rows at a time). */
export function tableRows(kind: string, objs: Obj[], include: IncludeObject = 'Metadata'): Table['rows'] {
  const printer = printerFor(kind);
  return objs.map((o) => ({ cells: printer.row(o), object: rowObject(o, include) }));
}

/** A Table of objects of one kind; `headers: false` leaves the column definitions out (watch events after the first). */
export function toTable(kind: string, objs: Obj[], resourceVersion: string | undefined, include: IncludeObject = 'Metadata', headers = true): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: resourceVersion ? { resourceVersion } : {},
    columnDefinitions: headers ? printerFor(kind).columns : [],
    rows: tableRows(kind, objs, include),
  };
}

export function parseIncludeObject(v: string | null): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
