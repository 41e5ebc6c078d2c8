"""The Streamlit seam: the only package code that imports streamlit."""
