/**
 * `npx projen check:package` (run by `package:js`): the npm tarball jsii-pacmak built holds exactly what a consumer
 * needs — the compiled library, the jsii assembly, the bundled handler and CLI, the docs — and nothing else: no
 * sources, tests, local files or secrets. An allowlist, so a file nobody meant to ship fails the build by default.
 *
 *   ts-node build-tools/check-package.ts [TARBALL]     (default: the only dist/js/*.tgz)
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** Files the tarball must contain (paths inside the package). */
const REQUIRED: ReadonlyArray<string> = [
  'package.json',
  'README.md',
  'LICENSE',
  'API.md',
  '.jsii',
  'lib/index.js',
  'lib/index.d.ts',
  'assets/selective-retry-handler/index.js',
  'assets/selective-retry-handler/package.json',
  'assets/cli/cli.js',
];

/** Every file of the tarball must match one of these. */
const ALLOWED: ReadonlyArray<RegExp> = [
  // CHANGELOG.md appears with the first release (`npx projen release` writes it).
  /^(package\.json|README\.md|LICENSE|API\.md|CHANGELOG\.md|\.jsii)$/,
  /^lib\/([\w.-]+\/)*[\w.-]+(?<!\.ts)\.js$/,
  /^lib\/([\w.-]+\/)*[\w.-]+\.d\.ts$/,
  /^assets\/selective-retry-handler\/(index\.js|package\.json)$/,
  /^assets\/selective-retry-handler\/chunks\/[\w.-]+\.js$/,
  /^assets\/cli\/cli\.js$/,
  // Bundled dependencies (projen bundledDeps): re2js, the linear-time engine of RetryableFailures.matching() patterns.
  /^node_modules\/re2js\/(package\.json|LICENSE|README\.md|build\/index\.(c?js|d\.c?ts|umd\.js))$/,
];

/** Why a stray file is there, to make the failure actionable. */
const KNOWN_STRAYS: ReadonlyArray<[RegExp, string]> = [
  [/^(src|lambda|test|demo|benchmarks|build-tools|rosetta|projenrc|docs)\//, 'a source, test or tooling folder'],
  [/(^|\/)[^/]+(?<!\.d)\.ts$/, 'a TypeScript source (only .d.ts ships)'],
  [/(^|\/)(coverage|test-reports|\.nyc_output|cdk\.out|node_modules)\//, 'a local build or test output'],
  [/(^|\/)(\.env(\..*)?|\.npmrc|\.aws\/.*|credentials|id_rsa.*|.*\.(pem|key|p12|pfx))$/, 'a local secret or credential file'],
  [/\.(map|tsbuildinfo|tgz|log)$/, 'a build by-product'],
];

/** Content that must never ship, whatever the file is called. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----/, 'a private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  // A key's name alone is not a secret: the bundled SDK reads `aws_secret_access_key` from ~/.aws/credentials.
  [/aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b/i, 'an AWS secret access key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36}\b/, 'a GitHub token'],
  [/\/\/registry\.npmjs\.org\/:_authToken=/, 'an npm token'],
];

/** The checks over a list of tarball paths and a reader of their contents; returns the problems found. */
export function checkPackageContents(files: ReadonlyArray<string>, read: (file: string) => string): string[] {
  const problems: string[] = [];
  const present = new Set(files);
  for (const file of REQUIRED) {
    if (!present.has(file)) problems.push(`missing ${file}`);
  }
  if (!files.some((f) => /^assets\/selective-retry-handler\/chunks\/[\w.-]+\.js$/.test(f))) {
    problems.push('missing assets/selective-retry-handler/chunks/*.js (the handler is a split ES module bundle)');
  }
  for (const file of files) {
    if (ALLOWED.some((re) => re.test(file))) continue;
    const why = KNOWN_STRAYS.find(([re]) => re.test(file))?.[1] ?? 'not on the allowlist';
    problems.push(`stray ${file}: ${why}`);
  }
  for (const file of files) {
    const text = read(file);
    for (const [re, what] of SECRET_PATTERNS) {
      if (re.test(text)) problems.push(`${file} contains what looks like ${what}`);
    }
  }
  if (present.has('package.json')) {
    const manifest = JSON.parse(read('package.json'));
    for (const [name, target] of Object.entries<string>(manifest.bin ?? {})) {
      const path = target.replace(/^\.\//, '');
      if (!present.has(path)) problems.push(`bin ${name} points to ${target}, which is not in the package`);
      else if (!read(path).startsWith('#!/usr/bin/env node')) problems.push(`bin ${name} (${target}) has no #!/usr/bin/env node line`);
    }
    if (manifest.main && !present.has(manifest.main)) problems.push(`main ${manifest.main} is not in the package`);
  }
  if (present.has('assets/selective-retry-handler/package.json')) {
    const type = JSON.parse(read('assets/selective-retry-handler/package.json')).type;
    if (type !== 'module') problems.push(`assets/selective-retry-handler/package.json has type ${JSON.stringify(type)}, expected "module"`);
  }
  return problems;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, rel)).isDirectory() ? listFiles(dir, rel) : [rel];
  });
}

function findTarball(): string {
  const dir = join('dist', 'js');
  const tarballs = (() => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    } catch {
      return [];
    }
  })();
  if (tarballs.length !== 1) {
    throw new Error(`Expected exactly one tarball in ${dir}, found ${tarballs.length} (${tarballs.join(', ')}): run \`npx projen package:js\`.`);
  }
  return join(dir, tarballs[0]);
}

function main(): void {
  const tarball = process.argv[2] ?? findTarball();
  const out = mkdtempSync(join(tmpdir(), 'check-package-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', out]);
    const root = join(out, 'package');
    const files = listFiles(root).sort();
    const problems = checkPackageContents(files, (f) => readFileSync(join(root, f), 'utf8'));
    if (problems.length) {
      console.error(`${tarball}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      console.error('Fix the package ignores in projenrc/shipping.ts (project.addPackageIgnore), or the allowlist in build-tools/check-package.ts.');
      process.exitCode = 1;
      return;
    }
    const bytes = statSync(tarball).size;
    console.log(`${tarball}: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB, contents as expected`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) main();
