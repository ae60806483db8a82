import { Construct } from 'constructs';
import { IPipeline } from './pipeline';

/** The retry policy of `SelectiveRetry`, also accepted by `IPipeline.enableSelectiveRetry`. */
export interface SelectiveRetryOptions {
  /**
   * How many selective executions may be started, in total, to heal one original failed execution.
   *
   * @default 2
   */
  readonly maxAttempts?: number;
}

/** Properties of `SelectiveRetry`. */
export interface SelectiveRetryProps extends SelectiveRetryOptions {
  /** The pipelines to heal. */
  readonly pipelines: IPipeline[];
}

/** Heals SageMaker pipelines with selective executions. */
export class SelectiveRetry extends Construct {
  constructor(scope: Construct, id: string, props: SelectiveRetryProps) {
    super(scope, id);
    void props;
  }
}
