"""kqlrules: detection-as-code for Microsoft Sentinel and Azure Monitor Log Analytics."""

__version__ = "0.1.0"
