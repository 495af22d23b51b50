/** The data layer: finding, checking, decoding, augmenting and writing images. */
export { decodeBmp, isBmp, readBmpHeader, UnsupportedBmpError, type BmpHeader, type BmpImage } from './bmp.js';
export { loadImage, loadTrainingImage, type ImageShape, type TrainingImageOptions } from './decode.js';
export { encodeImage, tileImages, writeImage, type ChwImage } from './image_write.js';
export { readManifest, type ManifestEntry } from './modelarts_manifest.js';
export { DEFAULT_MAX_PIXELS, openImage, readImageFile, readImageHeader, type ImageHeader } from './open_image.js';
export { Prefetcher, type Prefetched, type PrefetcherOptions } from './prefetch.js';
export { Rng, type RngState } from '../engine/rng.js';
export { IMAGE_EXTENSIONS, isImageName, scanInput, type InputLayout, type InputListing, type ScannedFile } from './scan.js';
export {
  checkImage,
  validateFiles,
  writeValidationReport,
  type DomainReport,
  type Rejection,
  type RejectionCode,
  type ValidateOptions,
  type ValidationResult,
} from './validate.js';
