#!/usr/bin/env node
// The consumer compatibility suite (see compat/README.md): packs the library as npm would publish it, installs the
// tarball into each app of compat/apps/ in a fresh directory outside this repository (its dependencies pinned by the
// app's lockfile), compiles the app with its own TypeScript (strict, skipLibCheck false), synthesizes it and runs
// cdk-nag AwsSolutions. Any compiler error, synth error, warning or unacknowledged finding fails the suite, except
// the findings listed in compat/known-findings.json (each with the issue that removes it); an entry there that no
// longer matches anything fails the suite too, so the list only shrinks.
//
// Usage: node compat/run.mjs [app...]   (default: every app). COMPAT_KEEP=1 keeps the temporary directories.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const appsDir = path.join(here, 'apps');
const library = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'));
const known = JSON.parse(fs.readFileSync(path.join(here, 'known-findings.json'), 'utf-8')).findings
  .map((entry) => ({ ...entry, pattern: new RegExp(entry.match), seen: 0 }));

const selected = process.argv.slice(2);
const apps = fs.readdirSync(appsDir).filter((name) => selected.length === 0 || selected.includes(name));
if (apps.length === 0) fail(`no app named ${selected.join(', ')} in compat/apps (there are: ${fs.readdirSync(appsDir).join(', ')})`);

checkFloorMatchesLibrary();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sagemaker-pipelines-compat-'));
let failed = false;
try {
  const tarball = pack(work);
  for (const app of apps) failed = !runApp(app, tarball, work) || failed;
  if (selected.length === 0) {
    for (const entry of known.filter((k) => k.seen === 0)) {
      console.log(`\nFAIL known finding no longer reported (remove it from compat/known-findings.json): ${entry.match}`);
      failed = true;
    }
  }
} finally {
  if (process.env.COMPAT_KEEP === '1') console.log(`kept ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
if (failed) fail('the compatibility suite failed (see above)');
console.log('compat: every app compiles, synthesizes and passes cdk-nag with no finding beyond compat/known-findings.json');

/** The library's tarball, exactly what `npm publish` would upload (needs `npx projen compile` or build first). */
function pack(dir) {
  for (const built of ['lib/index.js', 'lib/index.d.ts', 'assets/selective-retry-handler/index.js', '.jsii']) {
    if (!fs.existsSync(path.join(root, built))) fail(`${built} is missing: run \`npx projen build\` (or \`npx projen compile\`) first`);
  }
  const out = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  const [{ filename }] = JSON.parse(out);
  return path.join(dir, filename);
}

/** Installs, compiles, synthesizes and checks one app; returns whether it passed. */
function runApp(app, tarball, work) {
  const source = path.join(appsDir, app);
  const dir = path.join(work, app);
  fs.mkdirSync(dir);
  for (const file of fs.readdirSync(source)) fs.copyFileSync(path.join(source, file), path.join(dir, file));
  for (const file of fs.readdirSync(path.join(here, 'app'))) fs.copyFileSync(path.join(here, 'app', file), path.join(dir, file));

  console.log(`\n== ${app}`);
  const started = Date.now();
  // What the lockfile pins, nothing else; then the library as a consumer installs it (npm checks its peer ranges).
  // --prefer-offline: the lockfile pins every version and its integrity, so a cached tarball is the same tarball.
  const npmFlags = ['--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'];
  run('npm', ['ci', ...npmFlags], { cwd: dir });
  run('npm', ['install', '--no-save', ...npmFlags, tarball], { cwd: dir });
  console.log(`versions: ${installedVersions(dir)} (installed in ${seconds(started)} s)`);

  const tsc = path.join(dir, 'node_modules', '.bin', 'tsc');
  try {
    run(tsc, ['-p', '.', '--noEmit', 'false', '--outDir', 'build', '--declaration', 'false'], { cwd: dir });
  } catch (error) {
    console.log(`FAIL ${app}: tsc reports errors\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    return false;
  }
  console.log(`tsc: no error (strict, skipLibCheck false) (${seconds(started)} s)`);

  let ok = true;
  for (const main of fs.readdirSync(source).filter((f) => /^main-.*\.ts$/.test(f)).sort()) {
    const script = path.join(dir, 'build', main.replace(/\.ts$/, '.js'));
    let output;
    try {
      // Deprecated aws-cdk-lib APIs throw instead of warning: a consumer would see the warning.
      output = run(process.execPath, [script], { cwd: dir, env: { ...process.env, JSII_DEPRECATED: 'fail' } });
    } catch (error) {
      output = error.stdout ?? '';
      if (!output.trim().startsWith('{')) {
        console.log(`FAIL ${app} ${main}: synth failed\n${error.stdout ?? ''}${error.stderr ?? ''}`);
        ok = false;
        continue;
      }
    }
    const { nag, findings } = JSON.parse(output);
    const unknown = findings.filter((f) => {
      const entry = known.find((k) => k.pattern.test(`${f.path} ${f.message}`));
      if (entry) entry.seen++;
      return !entry;
    });
    const count = (list, level) => list.filter((f) => f.level === level).length;
    const listed = findings.length - unknown.length;
    const knownNote = listed ? ` (and ${listed} known, listed in compat/known-findings.json)` : '';
    if (unknown.length === 0) {
      console.log(`${nag}: 0 errors, 0 warnings${knownNote} (${seconds(started)} s)`);
    } else {
      ok = false;
      console.log(`FAIL ${app} ${nag}: ${count(unknown, 'error')} errors, ${count(unknown, 'warning')} warnings${knownNote}`);
      for (const f of unknown) console.log(`  ${f.level.padEnd(7)} ${f.path}\n          ${f.message.slice(0, 300)}`);
    }
  }
  console.log(`${app}: ${ok ? 'passed' : 'FAILED'} in ${seconds(started)} s`);
  return ok;
}

/** The floor app must test the floors the library declares (package.json peer dependencies). */
function checkFloorMatchesLibrary() {
  const floorApp = JSON.parse(fs.readFileSync(path.join(appsDir, 'floor', 'package.json'), 'utf-8'));
  for (const [name, range] of Object.entries(library.peerDependencies)) {
    const floor = range.replace(/^[\^~]/, '');
    if (floorApp.dependencies[name] !== floor) {
      fail(`compat/apps/floor pins ${name} ${floorApp.dependencies[name]}, but the library's floor is ${range}: run \`npx projen compat:bump\``);
    }
  }
}

function installedVersions(dir) {
  const names = ['aws-cdk-lib', 'constructs', 'typescript', 'cdk-nag', 'cdk-nag-v2', '@types/node'];
  return names
    .map((name) => {
      const file = path.join(dir, 'node_modules', name, 'package.json');
      return fs.existsSync(file) ? `${name}@${JSON.parse(fs.readFileSync(file, 'utf-8')).version}` : undefined;
    })
    .filter(Boolean)
    .join(' ');
}

function seconds(since) {
  return Math.round((Date.now() - since) / 1000);
}

function run(command, args, options) {
  return execFileSync(command, args, { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...options });
}

function fail(message) {
  console.error(`compat: ${message}`);
  process.exit(1);
}
