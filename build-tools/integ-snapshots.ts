/**
 * Checks, or with `--update` rewrites, the committed snapshots of the integration tests `test/integ.*.ts`: each test
 * app is synthesized into a temporary directory and its CloudFormation templates are compared with the snapshot's,
 * asset hashes aside (a rebuilt handler bundle changes them, not the deployed behaviour). Deploys nothing.
 *
 * Why not integ-runner's own snapshot check: the newest @aws-cdk/integ-runner our registry serves (2.197.10) reads
 * cloud assemblies up to schema version 53, and aws-cdk-lib 2.269.0 (our floor) writes version 54, so integ-runner
 * refuses the assembly before comparing anything. `npx projen integ:deploy` still runs integ-runner, and needs a
 * release of it that reads schema 54.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cxapi from 'aws-cdk-lib/cx-api';

const ROOT = path.join(__dirname, '..');
const TEST_DIR = path.join(ROOT, 'test');
const update = process.argv.includes('--update');

/**
 * What changes with every synth, not with behaviour: asset hashes (64 hex characters; a rebuilt bundle changes them)
 * and the `salt` (Date.now()) integ-tests-alpha gives each assertion so that it runs on every deployment.
 */
const normalize = (text: string) => text.replace(/[0-9a-f]{64}/g, '<asset hash>').replace(/"salt": *"\d+"/g, '"salt": "<salt>"');

/**
 * The context integ-runner synthesizes tests with: aws-cdk-lib's currently recommended feature flags, no stack traces
 * in the metadata (they would name this machine's paths), and its placeholder environment.
 */
const CONTEXT = {
  ...cxapi.CURRENTLY_RECOMMENDED_FLAGS,
  [cxapi.DISABLE_METADATA_STACK_TRACE]: true,
};
const INTEG_ENV = { CDK_INTEG_ACCOUNT: '12345678', CDK_INTEG_REGION: 'test-region' };

function synthesize(testFile: string): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-snapshot-'));
  const result = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin'), '--project', path.join(TEST_DIR, 'tsconfig.jest.json'), testFile], {
    cwd: ROOT,
    encoding: 'utf-8',
    env: { ...process.env, ...INTEG_ENV, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(CONTEXT) },
  });
  if (result.status !== 0) throw new Error(`${path.basename(testFile)} failed to synthesize:\n${result.stdout}${result.stderr}`);
  return outdir;
}

function templates(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort() : [];
}

let failed = false;
for (const file of fs.readdirSync(TEST_DIR).filter((f) => /^integ\..*\.ts$/.test(f)).sort()) {
  const snapshot = path.join(TEST_DIR, `${file}.snapshot`);
  const outdir = synthesize(path.join(TEST_DIR, file));
  try {
    if (update) {
      // The assembly as integ-runner commits it: without the staged assets (gitignored, rebuilt every time) and
      // without the construct metadata files, whose creation stack traces name this machine's paths.
      const files = fs.readdirSync(outdir, { withFileTypes: true })
        .filter((entry) => entry.isFile() && !entry.name.endsWith('.metadata.json'))
        .map((entry) => ({ name: entry.name, text: fs.readFileSync(path.join(outdir, entry.name), 'utf-8') }));
      const leaking = files.find((f) => f.text.includes(ROOT));
      if (leaking) throw new Error(`${leaking.name} of ${file} names this machine's path ${ROOT}; the snapshot is left as it was.`);
      fs.rmSync(snapshot, { recursive: true, force: true });
      fs.mkdirSync(snapshot);
      for (const f of files) fs.writeFileSync(path.join(snapshot, f.name), f.text);
      console.log(`UPDATED  ${file}`);
      continue;
    }
    const expected = templates(snapshot);
    const actual = templates(outdir);
    const differing = [...new Set([...expected, ...actual])].filter((t) => {
      const read = (dir: string) => (fs.existsSync(path.join(dir, t)) ? normalize(fs.readFileSync(path.join(dir, t), 'utf-8')) : undefined);
      const [a, b] = [read(snapshot), read(outdir)];
      return a === undefined || b === undefined || JSON.stringify(JSON.parse(a)) !== JSON.stringify(JSON.parse(b));
    });
    if (differing.length === 0) {
      console.log(`UNCHANGED  ${file}`);
    } else {
      failed = true;
      console.log(`CHANGED  ${file}: ${differing.join(', ')} differ from the snapshot. If the change is intended, run `
        + '`npx projen integ:update` and review the diff.');
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
process.exitCode = failed ? 1 : 0;
