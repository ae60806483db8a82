/**
 * Captures what the bundled handler prints: its own log records (JSON on console.log, one per decision) and the EMF
 * metric records Powertools writes on stdout itself. Call in `beforeEach`; `jest.restoreAllMocks()` ends it.
 */
export function captureHandlerOutput(): { logs: any[]; emf: any[] } {
  const output = { logs: [] as any[], emf: [] as any[] };
  const capture = (text: string) => {
    for (const line of String(text).split('\n').filter((l) => l.trim())) {
      const record = JSON.parse(line);
      (record._aws ? output.emf : output.logs).push(record);
    }
  };
  jest.spyOn(console, 'log').mockImplementation(capture);
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => { capture(chunk); return true; });
  return output;
}
