"""アクセシビリティ方針: placeholder (filled in below)."""

import streamlit as st

st.title("アクセシビリティ方針")
