"""Reference data (基础数据) the work-order spine reads: areas, categories, SLA policies, the
working calendar, the dispatch catalogue and the knowledge base. It sits below ``workorders``."""
