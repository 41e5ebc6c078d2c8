"""jichitai-metrics: the 「令和5年度予算×DX」 seminar report as a living dashboard."""

__version__ = "0.1.0"
