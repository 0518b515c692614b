"""The report: the paper's tables and figures beside ours (labels, paper numbers, tables, rendering, plots)."""
