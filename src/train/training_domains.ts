/**
 * The run's domains, scanned and validated: source (X), target (Y) and, from a reference-layout
 * dataroot, testA (translated into Data/ with usage "test" but never trained on).
 */
import type { Parameters } from '../config/parameters.js';
import { prepareDomain, writeDomainReport, type PreparedDomain } from '../data/domain.js';
import type { UseFailures } from '../data/use_failures.js';
import type { EventSink } from '../io/events.js';
import { trainingInputs } from './training_inputs.js';

export interface TrainingDomains {
  source: PreparedDomain;
  target: PreparedDomain;
  test: PreparedDomain | null;
}

export async function prepareTrainingDomains(source: string, target: string, p: Readonly<Parameters>, emit: EventSink): Promise<TrainingDomains> {
  const inputs = trainingInputs(source, target, p.dataroot, emit);
  return {
    source: await prepareDomain('source', inputs.source, p.do_validation, emit),
    target: await prepareDomain('target', inputs.target, p.do_validation, emit),
    test: inputs.test ? await prepareDomain('testA', inputs.test, p.do_validation, emit) : null,
  };
}

/** validation_report.json, with files that failed later (decoding in training or generation) added to their domain's rejects. */
export function writeTrainingDomainsReport(outDir: string, d: TrainingDomains, failures?: UseFailures): void {
  const domains = d.test ? [d.source, d.target, d.test] : [d.source, d.target];
  writeDomainReport(outDir, failures ? domains.map((x) => ({ ...x, result: failures.applyTo(x.result) })) : domains);
}
