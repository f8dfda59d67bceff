"""The Streamlit dashboard. Reads the published marts snapshot only."""
