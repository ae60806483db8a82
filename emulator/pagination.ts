/**
 * Pagination of the List calls. `MaxResults` (1-100) is validated by the service model; a page may hold fewer items
 * than MaxResults asked for ("the maximum number of ... to return", API_ListPipelineExecutionSteps.html), so the
 * emulator can cap pages (`maxPageSize`) to make clients follow `NextToken`. Tokens are opaque and bound to the list
 * they came from: a foreign or garbled token is a ValidationException.
 */
import { validationError } from './transport';

export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

export interface PageSizes {
  /** Page size without MaxResults (the API documents no default). */
  readonly defaultPageSize: number;
  /** Never more than this many items in one page. */
  readonly maxPageSize: number;
}

/** One page of `items` for a request with optional `MaxResults` and `NextToken`; `key` names the list. */
export function paginate<T>(key: string, items: readonly T[], r: { MaxResults?: number; NextToken?: string }, sizes: PageSizes): Page<T> {
  let size = r.MaxResults ?? sizes.defaultPageSize;
  let offset = 0;
  if (r.NextToken !== undefined && r.NextToken !== null) {
    let decoded: { k?: string; o?: number } = {};
    try {
      decoded = JSON.parse(Buffer.from(String(r.NextToken), 'base64url').toString('utf8'));
    } catch {
      decoded = {};
    }
    if (decoded.k !== key || !Number.isInteger(decoded.o) || decoded.o! < 0) throw validationError('Invalid pagination token (NextToken).');
    offset = decoded.o!;
  }
  size = Math.min(size, sizes.maxPageSize);
  const slice = items.slice(offset, offset + size);
  const nextOffset = offset + slice.length;
  const next = nextOffset < items.length ? Buffer.from(JSON.stringify({ k: key, o: nextOffset })).toString('base64url') : undefined;
  return { items: slice, ...(next ? { next } : {}) };
}
