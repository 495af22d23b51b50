"""KID and FID with numpy/scipy, as clean-fid (GaParmar/clean-fid, cleanfid/fid.py) computes them.

Reads a JSON file {real: [[...]], fake: [[...]], subsets: [[fake indices], [real indices]] ...} and
prints {kid_mean, kid_std, fid}. The subset indices come from the caller so that both sides average
over the same subsets; everything else (kernel, estimator, Gaussian fit, sqrtm) is numpy/scipy's.
"""
import json
import sys

import numpy as np
from scipy import linalg


def kid_subsets(feats1, feats2, subsets):
    # clean-fid's kernel_distance with the random subsets replaced by the given ones; per-subset values kept for the std
    n = feats1.shape[1]
    values = []
    for fake_idx, real_idx in subsets:
        m = len(fake_idx)
        x = feats2[np.array(fake_idx)]
        y = feats1[np.array(real_idx)]
        a = (x @ x.T / n + 1) ** 3 + (y @ y.T / n + 1) ** 3
        b = (x @ y.T / n + 1) ** 3
        values.append(((a.sum() - np.diag(a).sum()) / (m - 1) - b.sum() * 2 / m) / m)
    return float(np.mean(values)), float(np.std(values))


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(sigma1.dot(sigma2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def main():
    with open(sys.argv[1]) as f:
        case = json.load(f)
    real = np.array(case["real"], dtype=np.float64)
    fake = np.array(case["fake"], dtype=np.float64)
    kid_mean, kid_std = kid_subsets(real, fake, case["subsets"])
    fid = frechet_distance(real.mean(0), np.cov(real, rowvar=False), fake.mean(0), np.cov(fake, rowvar=False))
    print(json.dumps({"kid_mean": kid_mean, "kid_std": kid_std, "fid": fid}))


main()
