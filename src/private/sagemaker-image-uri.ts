import { SAGEMAKER_IMAGE_REGISTRIES, SAGEMAKER_IMAGES } from './sagemaker-images.generated';

/** What a SageMaker image is asked for by. */
export interface SageMakerImageQuery {
  readonly name: string;
  readonly version: string;
  readonly scope?: string;
  /** The scope used when the image has several and none is asked for (the step's kind of job). */
  readonly defaultScope: string;
  readonly processor?: string;
  readonly pythonVersion?: string;
  /** Used to choose the processor when the image has several and none is asked for. */
  readonly instanceType?: string;
}

/** A SageMaker image without its region: repository, tag and the registry account of each region. */
export interface SageMakerImage {
  readonly repository: string;
  /** The tag, or undefined for an untagged repository (the registry's `latest`). */
  readonly tag?: string;
  /** An id shared by images whose registries are the same accounts (one CfnMapping per id). */
  readonly registriesId: string;
  /** Registry account by region. */
  readonly registries: Readonly<Record<string, string>>;
}

/**
 * Finds a SageMaker framework or algorithm image the way the SageMaker Python SDK's `image_uris.retrieve` does:
 * the version's repository, and a tag of `<version or tag prefix>-<processor>-<python version>-<container
 * version>` (parts the image has not are left out). Throws an Error naming the alternatives when the name, scope,
 * version, processor or Python version is not one AWS publishes.
 */
export function findSageMakerImage(query: SageMakerImageQuery): SageMakerImage {
  const scopes = SAGEMAKER_IMAGES[query.name];
  if (!scopes) {
    throw new Error(`no SageMaker image is named "${query.name}"; known images: ${list(Object.keys(SAGEMAKER_IMAGES))}.`);
  }
  const available = Object.keys(scopes);
  let scope = query.scope;
  if (scope === undefined) {
    scope = available.length === 1 ? available[0] : available.includes(query.defaultScope) ? query.defaultScope : undefined;
  }
  if (scope === undefined || !scopes[scope]) {
    throw new Error(`image "${query.name}" has no ${scope ?? query.defaultScope} scope; its scopes are ${list(available)}. `
      + 'Set imageScope to one of them.');
  }
  const spec = scopes[scope][query.version];
  if (!spec) {
    throw new Error(`image "${query.name}" (${scope}) has no version "${query.version}"; its versions are `
      + `${list(Object.keys(scopes[scope]))}.`);
  }
  const processor = choose('processor', query.processor ?? processorOf(query.instanceType, spec.processors), spec.processors, query);
  const pythonVersion = choose('pythonVersion', query.pythonVersion, spec.pyVersions, query);
  const containerVersion = processor ? spec.containerVersion?.[processor] : undefined;
  const tag = [spec.tagPrefix ?? query.version, processor, pythonVersion, containerVersion].filter((p) => p).join('-');
  return {
    repository: spec.repository,
    tag: tag.length > 0 ? tag : undefined,
    registriesId: spec.registries,
    registries: SAGEMAKER_IMAGE_REGISTRIES[spec.registries],
  };
}

/** The registry account of an image in a region; throws naming the regions it is published in. */
export function registryAccount(image: SageMakerImage, region: string): string {
  const account = image.registries[region];
  if (!account) {
    throw new Error(`image ${image.repository}${image.tag ? `:${image.tag}` : ''} is not published in region "${region}"; `
      + `it is in ${list(Object.keys(image.registries).sort())}.`);
  }
  return account;
}

/** The processor the SDK picks for an instance type (`ml.p*`/`ml.g*`: gpu, else cpu), when the image has it. */
function processorOf(instanceType: string | undefined, processors: string[] | undefined): string | undefined {
  if (!processors || processors.length === 1) return processors?.[0];
  const family = /^ml\.([a-z]+)/.exec(instanceType ?? '')?.[1];
  if (family === undefined) return undefined;
  const wanted = family.startsWith('p') || family.startsWith('g') ? 'gpu' : 'cpu';
  return processors.includes(wanted) ? wanted : undefined;
}

/** The value asked for (checked) or the only one available; undefined when the image has no such part. */
function choose(option: string, value: string | undefined, available: string[] | undefined, query: SageMakerImageQuery): string | undefined {
  if (!available || available.length === 0) {
    if (value !== undefined && option === 'pythonVersion') {
      throw new Error(`image "${query.name}" ${query.version} has no Python version in its tag; remove pythonVersion.`);
    }
    return undefined;
  }
  if (value === undefined) {
    if (available.length === 1) return available[0];
    throw new Error(`image "${query.name}" ${query.version} comes in several ${option} variants (${list(available)}); set ${option}.`);
  }
  if (!available.includes(value)) {
    throw new Error(`image "${query.name}" ${query.version} has no ${option} "${value}"; choose one of ${list(available)}.`);
  }
  return value;
}

function list(values: string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
