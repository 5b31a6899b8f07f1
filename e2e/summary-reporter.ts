import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

/**
 * Ends the run with one plain `e2e: N passed, N flaky, N failed, N skipped` line that CI can
 * read, after the names of the flaky tests (failed, then passed on a retry).
 */
export default class SummaryReporter implements Reporter {
  private counts = { passed: 0, flaky: 0, failed: 0, skipped: 0 };
  private flaky: string[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    // Count each test once, by its final outcome (retries included).
    if (result.retry < test.retries && result.status !== 'passed' && result.status !== 'skipped')
      return;
    if (result.status === 'passed' && result.retry > 0) {
      this.counts.flaky++;
      this.flaky.push(test.titlePath().filter(Boolean).join(' › '));
    } else if (result.status === 'passed') this.counts.passed++;
    else if (result.status === 'skipped') this.counts.skipped++;
    else this.counts.failed++;
  }

  onEnd(_result: FullResult): void {
    for (const title of this.flaky) console.log(`e2e flaky (passed on retry): ${title}`);
    const { passed, flaky, failed, skipped } = this.counts;
    console.log(`e2e: ${passed} passed, ${flaky} flaky, ${failed} failed, ${skipped} skipped`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
