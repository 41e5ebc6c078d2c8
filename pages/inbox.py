"""Placeholder until its issue lands."""

import streamlit as st

st.info("準備中です。 / Coming soon.")
