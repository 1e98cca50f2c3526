/** Calls a watchdog listener so that a faulty one cannot stop the watchdog. */
export function safely(what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    // A faulty listener must not stop the watchdog; surface it for diagnosis.
    console.error(`[aop] watchdog ${what} listener failed:`, err);
  }
}
