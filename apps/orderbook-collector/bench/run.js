// Runs every *.bench.js of this app in turn; each prints its JSON lines.
import { runBenchFiles } from '@collector/testkit/bench';

runBenchFiles(new URL('.', import.meta.url));
