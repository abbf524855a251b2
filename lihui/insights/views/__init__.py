"""Insights pages: 例会健康度 (`health`), 复盘报告 (`review_report`), applying a recommendation
(`recommendations`)."""
