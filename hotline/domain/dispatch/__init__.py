"""Smart dispatch (智能派单): category classifier, dispatch catalogue, duplicates, knowledge base.

Pure Python over scikit-learn, jieba and bm25s; the Django app ``hotline.dispatch`` feeds it.
"""
