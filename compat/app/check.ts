// Synthesizes the app and reports, as JSON on stdout, everything a consumer would be told: the annotations of every
// stack (cdk-nag 2.x reports there, as do aws-cdk-lib and this library) and the violations of the policy-validation
// report (cdk-nag 3.x reports there). compat/run.mjs judges them.
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { CompatStack } from './stack';

export interface Finding {
  readonly level: string;
  readonly path: string;
  readonly message: string;
}

/** The two shapes of stack the README's users have: bound to an account and region, and environment-agnostic. */
export function newCompatApp(): App {
  const app = new App();
  new CompatStack(app, 'Compat', { env: { account: '111122223333', region: 'us-east-1' } });
  new CompatStack(app, 'CompatAgnostic');
  return app;
}

export function synthAndReport(app: App, nag: string): void {
  try {
    app.synth();
  } catch (error) {
    // aws-cdk-lib throws when a policy-validation plugin (cdk-nag 3.x) reports a violation, after writing the
    // assembly and the report; anything else is a synth error.
    if (!fs.existsSync(path.join(app.outdir, 'validation-report.json'))) throw error;
  }
  const findings: Finding[] = [];
  for (const stack of new CloudAssembly(app.outdir).stacks) {
    for (const message of stack.messages) {
      if (message.level === 'info') continue;
      findings.push({ level: message.level, path: message.id, message: String(message.entry.data).split('\n')[0] });
    }
  }
  const report = path.join(app.outdir, 'validation-report.json');
  if (fs.existsSync(report)) {
    const json = JSON.parse(fs.readFileSync(report, 'utf-8'));
    for (const plugin of json.pluginReports ?? []) {
      for (const violation of plugin.violations ?? []) {
        for (const construct of violation.violatingConstructs ?? violation.violatingResources ?? []) {
          findings.push({ level: violation.severity, path: `/${construct.constructPath}`, message: `${violation.ruleName}: ${violation.description}` });
        }
      }
    }
  }
  process.stdout.write(JSON.stringify({ nag, findings }, undefined, 2) + '\n');
}
