/** The paths of a run that may be object-storage addresses (s3://, obs://), to be staged or mirrored. */
export interface RunPaths {
  source: string;
  target?: string;
  out: string;
  /** predict's model. */
  resume?: string;
}
