"""District dashboards for officials (数据大屏): aggregates, charts, exports and the live-now socket."""
