"""L1, PSNR and SSIM of image pairs with numpy and scikit-image (Debian's python3-skimage).

Reads a JSON file {pairs: [{fake: [C][H][W], real: [C][H][W]}]} of values in [0, 1] and prints a list of
{l1, psnr, ssim}. SSIM is skimage's structural_similarity with the Wang et al. settings
(gaussian_weights, sigma 1.5, no sample covariance), data_range 1, channels averaged.
"""
import json
import sys

import numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def main():
    with open(sys.argv[1]) as f:
        case = json.load(f)
    out = []
    for pair in case["pairs"]:
        fake = np.array(pair["fake"], dtype=np.float64)
        real = np.array(pair["real"], dtype=np.float64)
        ssim = structural_similarity(
            real, fake, data_range=1.0, channel_axis=0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
        )
        out.append({
            "l1": float(np.abs(fake - real).mean()),
            "psnr": float(peak_signal_noise_ratio(real, fake, data_range=1.0)),
            "ssim": float(ssim),
        })
    print(json.dumps(out))


main()
