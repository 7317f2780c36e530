// Prints "N passed, M failed" from a vitest JSON report, as the last line of .ci/run.
// A test file that failed to load counts as one failure, so a broken import never reads as green.
import { readFileSync } from 'node:fs'

const file = process.argv[2]
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch {
  console.log('no vitest report was written')
  console.log('0 passed, 1 failed')
  process.exit(1)
}
const brokenFiles = report.testResults.filter(
  (result) => result.status === 'failed' && result.assertionResults.length === 0,
).length
const passed = report.numPassedTests
const failed = report.numFailedTests + brokenFiles
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && report.success ? 0 : 1)
