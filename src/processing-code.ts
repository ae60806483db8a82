import * as fs from 'fs';
import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { ConstructValidationError, received } from './private/errors';
import { S3Access, S3Location } from './s3-location';

/** Where SageMaker processing code is mounted, as the SageMaker Python SDK does for `code=`. */
const PROCESSING_CODE_DIR = '/opt/ml/processing/input/code';

/** Options of processing code. */
export interface ProcessingCodeOptions {
  /**
   * The program that runs the script, e.g. `['python3', '-u']` or `['bash']`.
   *
   * @default ['python3']
   */
  readonly command?: string[];
}

/** Options of processing code from a directory. */
export interface ProcessingCodeDirectoryOptions extends ProcessingCodeOptions {
  /**
   * Glob patterns of files of the directory to leave out of the upload.
   *
   * @default - every file
   */
  readonly exclude?: string[];
}

/** Processing code bound to a step. */
export interface ProcessingCodeConfig {
  /** The S3 URI of the uploaded code, mounted at `/opt/ml/processing/input/code`. */
  readonly s3Uri: string;
  /** The container entrypoint that runs it. */
  readonly entrypoint: string[];
}

/**
 * The code a processing step runs, from the app: uploaded as a CDK asset when the app is published, mounted at
 * `/opt/ml/processing/input/code` as an input named `code`, and run as the container's entrypoint (the SageMaker
 * Python SDK's `code=`). The role the job runs with gets read access to the uploaded object only.
 */
export abstract class ProcessingCode {
  /**
   * One script, e.g. `preprocess.py`: run as `python3 /opt/ml/processing/input/code/<file>`, like the SDK's
   * `code=`. Use `fromDirectory` when the script imports files beside it.
   *
   * @param scriptPath the script's path in the app
   * @param options the program that runs it
   */
  public static fromFile(scriptPath: string, options: ProcessingCodeOptions = {}): ProcessingCode {
    return new FileCode(scriptPath, options);
  }

  /**
   * A directory with the script and the files it imports, e.g. `scripts/` with `preprocess.py` and `features.py`.
   * It is uploaded as one zip file (a CDK asset); the entrypoint unpacks it in `/opt/ml/processing/input/code`
   * with `python3 -m zipfile` and runs the script there, with the step's `containerArguments`, like the SDK's
   * `FrameworkProcessor` (`source_dir=`). The image must have `python3` and `/bin/sh`.
   *
   * @param directory the directory's path in the app
   * @param script the script to run, relative to the directory, e.g. `preprocess.py`
   * @param options the program that runs it and files to leave out
   */
  public static fromDirectory(directory: string, script: string, options: ProcessingCodeDirectoryOptions = {}): ProcessingCode {
    return new DirectoryCode(directory, script, options);
  }

  /**
   * Uploads the code (once, however many steps run it) and grants the role read access to it.
   *
   * @param scope the step
   * @param role the role the job runs with
   */
  public abstract bind(scope: Construct, role: iam.IGrantable): ProcessingCodeConfig;
}

abstract class AssetCode extends ProcessingCode {
  private asset?: s3_assets.Asset;

  constructor(protected readonly options: ProcessingCodeOptions) {
    super();
  }

  public bind(scope: Construct, role: iam.IGrantable): ProcessingCodeConfig {
    this.validate(scope);
    this.asset ??= new s3_assets.Asset(scope, 'Code', this.assetProps());
    const { s3Uri } = S3Location.fromObject(this.asset.bucket, this.asset.s3ObjectKey).bind(scope, { role, access: S3Access.READ });
    // The input downloads the object under its key's last part (the asset hash and extension).
    const key = this.asset.s3ObjectKey;
    const fileName = Token.isUnresolved(key) ? key : path.posix.basename(key);
    return { s3Uri, entrypoint: this.entrypoint(`${PROCESSING_CODE_DIR}/${fileName}`) };
  }

  protected validateCommand(scope: Construct): void {
    const command = this.options.command;
    if (command !== undefined && (command.length === 0 || command.some((c) => c.length === 0))) {
      throw new ConstructValidationError(scope, 'ProcessingCode.Command',
        `code: command must name a program, e.g. ['python3']; received ${received(command)}.`);
    }
  }

  protected abstract validate(scope: Construct): void;
  protected abstract assetProps(): s3_assets.AssetProps;
  protected abstract entrypoint(uploadedPath: string): string[];
}

class FileCode extends AssetCode {
  constructor(private readonly scriptPath: string, options: ProcessingCodeOptions) {
    super(options);
  }

  protected validate(scope: Construct): void {
    this.validateCommand(scope);
    if (!fs.existsSync(this.scriptPath) || !fs.statSync(this.scriptPath).isFile()) {
      throw new ConstructValidationError(scope, 'ProcessingCode.File',
        `code: ${received(this.scriptPath)} is not a file. Pass the script's path, e.g. path.join(__dirname, 'scripts', 'preprocess.py'); `
        + 'for a directory use ProcessingCode.fromDirectory.');
    }
  }

  protected assetProps(): s3_assets.AssetProps {
    return { path: this.scriptPath };
  }

  protected entrypoint(uploadedPath: string): string[] {
    return [...(this.options.command ?? ['python3']), uploadedPath];
  }
}

class DirectoryCode extends AssetCode {
  constructor(private readonly directory: string, private readonly script: string, private readonly dirOptions: ProcessingCodeDirectoryOptions) {
    super(dirOptions);
  }

  protected validate(scope: Construct): void {
    this.validateCommand(scope);
    if (!fs.existsSync(this.directory) || !fs.statSync(this.directory).isDirectory()) {
      throw new ConstructValidationError(scope, 'ProcessingCode.Directory',
        `code: ${received(this.directory)} is not a directory. Pass the directory that holds the script.`);
    }
    const scriptFile = path.join(this.directory, this.script);
    if (path.isAbsolute(this.script) || this.script.split(/[\\/]/).includes('..') || !fs.existsSync(scriptFile)
      || !fs.statSync(scriptFile).isFile()) {
      throw new ConstructValidationError(scope, 'ProcessingCode.Script',
        `code: script ${received(this.script)} is not a file inside ${received(this.directory)}. Name the script relative to `
        + 'the directory, e.g. \'preprocess.py\'.');
    }
  }

  protected assetProps(): s3_assets.AssetProps {
    return { path: this.directory, exclude: this.dirOptions.exclude };
  }

  protected entrypoint(uploadedPath: string): string[] {
    const command = [...(this.options.command ?? ['python3']), this.script.split(path.sep).join('/')].map(quote).join(' ');
    // `sh -c SCRIPT sh ARGS...`: the step's containerArguments follow the entrypoint and arrive as "$@".
    return ['/bin/sh', '-c',
      `cd ${PROCESSING_CODE_DIR} && python3 -m zipfile -e ${quote(uploadedPath)} . && exec ${command} "$@"`, 'sh'];
  }
}

/** Quotes a word for `sh`. */
function quote(word: string): string {
  return /^[A-Za-z0-9._\/=:-]+$/.test(word) ? word : `'${word.replace(/'/g, '\'\\\'\'')}'`;
}
