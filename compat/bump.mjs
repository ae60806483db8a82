#!/usr/bin/env node
// `npx projen compat:bump`: re-pins the compatibility apps and regenerates their lockfiles.
// - floor: aws-cdk-lib and constructs at the floors the library declares (package.json peer dependencies, from
//   .projenrc.ts); its TypeScript, cdk-nag and @types/node stay as chosen (the oldest we support).
// - newest: the newest release of each dependency; cdk-nag-v2 is the newest cdk-nag 2.x.
// Review the diff (compat/apps/*/package.json) and run `npx projen compat` before committing.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const library = JSON.parse(fs.readFileSync(path.join(here, '..', 'package.json'), 'utf-8'));

update('floor', (pkg) => {
  for (const [name, range] of Object.entries(library.peerDependencies)) pkg.dependencies[name] = range.replace(/^[\^~]/, '');
});

update('newest', (pkg) => {
  for (const deps of [pkg.dependencies, pkg.devDependencies]) {
    for (const name of Object.keys(deps)) {
      const alias = /^npm:(.+)@(\d+)\./.exec(deps[name]);
      deps[name] = alias ? `npm:${alias[1]}@${newest(alias[1], alias[2])}` : newest(name);
    }
  }
});

/** The newest release of a package, or of one major version of it. */
function newest(name, major) {
  const out = npm(['view', major ? `${name}@^${major}` : name, 'version', '--json'], here);
  const numeric = (v) => v.split('.').map(Number);
  const byVersion = (a, b) => numeric(a).reduce((d, x, i) => d || x - numeric(b)[i], 0);
  return [JSON.parse(out)].flat().sort(byVersion).pop();
}

function update(app, change) {
  const dir = path.join(here, 'apps', app);
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf-8'));
  change(pkg);
  fs.writeFileSync(file, JSON.stringify(pkg, undefined, 2) + '\n');
  npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  console.log(`${app}: ${Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).map(([n, v]) => `${n}@${v}`).join(' ')}`);
}

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'inherit'] });
}
